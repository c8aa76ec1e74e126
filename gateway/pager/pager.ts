import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { DeliveredEntry, FailedEntry, PagedEntry } from '../../rules/safety/index.js';
import type { GatewayMetrics } from '../metrics.js';
import type { Registry } from '../registry/registry.js';
import { deliveryFailure, type ChannelSender, type OutboundMessage } from './channels.js';
import type { PageJob, PageJobStore } from './page-jobs.js';
import { resolvePerson, type Person } from './recipients.js';

export interface RetryPolicy {
  /** Attempts per channel before falling through to the next one. */
  maxAttempts: number;
  /** Wait before the second attempt; doubles for each further one. */
  backoffMs: number;
}

/**
 * What happened to a page, for the alert's timeline: an attempt begun on a route, a failed or
 * delivered attempt, or every route of a job tried in vain (`people`: their ids, in route order).
 */
export type DeliveryOutcome = PagedEntry | FailedEntry | DeliveredEntry | { type: 'unreachable'; atMs: number; people: string[] };

export interface DeliveryReport {
  alertId: string;
  outcome: DeliveryOutcome;
}

export interface PagerEvents {
  /** One outcome of one job, in the order they happened; the alert side records it. */
  delivery: [report: DeliveryReport];
}

/** The words of a page: the pager delivers them, the alert side writes them. */
export interface PageComposer {
  /** The page of one job for the person of its current route; undefined when its alert is gone (the job is cancelled). */
  page(job: PageJob, person: Person): Promise<OutboundMessage | undefined>;
  /** Whether the alert still wants its line in a morning digest (alerts closed overnight need none). */
  wantsDigest(alertId: string): Promise<boolean>;
  /** One morning message to one person about several alerts. */
  digest(jobs: readonly PageJob[], person: Person): Promise<OutboundMessage>;
}

export interface PagerDeps {
  jobs: PageJobStore;
  send: ChannelSender;
  registry: Registry;
  compose: PageComposer;
  retry: RetryPolicy;
  /**
   * This pager's name in the shared outbox, and how long it holds a job it took: longer than one
   * run of a job through its routes, so no other instance's pager sends it meanwhile.
   */
  claim: { claimant: string; holdMs: number };
  metrics: GatewayMetrics;
  log: Logger;
  now(): number;
}

/**
 * Sends what the outbox holds. Each job walks its routes (a person's channels, or several people's
 * for "first reachable" roles): retries with backoff on one route, then falls through to the next.
 * Every step is reported as a `delivery` event; the pager itself never changes an alert. The job
 * row is updated after each attempt, so a restart resumes at the route and attempt it stopped at
 * (a send cut off by a crash is sent again, with the same Idempotency-Key).
 */
export class Pager {
  readonly events = new EventEmitter<PagerEvents>();
  private readonly inFlight = new Map<number, Promise<void>>();
  private lastLook: Promise<void> = Promise.resolve();
  private looking = false;
  private readonly finishedDuringLook = new Set<number>();
  private closed = false;

  constructor(private readonly deps: PagerDeps) {}

  /** Starts every due job not already running; resolves when those attempts have settled. */
  runDue(): Promise<void> {
    if (this.closed) return Promise.resolve();
    // One look at the outbox at a time, so two looks never both start the same job.
    const started = this.lastLook.then(() => this.startDue());
    this.lastLook = started.then(() => undefined);
    return started.then((attempts) => Promise.all(attempts)).then(() => undefined);
  }

  private async startDue(): Promise<Promise<void>[]> {
    if (this.closed) return [];
    this.finishedDuringLook.clear();
    this.looking = true;
    let due: PageJob[];
    try {
      due = await this.deps.jobs.claimDue(this.deps.now(), this.deps.claim.claimant, this.deps.claim.holdMs);
    } catch (err) {
      this.deps.log.error({ err }, 'the outbox could not be read');
      return [];
    } finally {
      this.looking = false;
    }
    if (this.closed) return [];
    // A job that finished while the outbox was being read may still be in what it gave back.
    const fresh = due.filter((job) => !this.inFlight.has(job.id) && !this.finishedDuringLook.has(job.id));
    const started: Promise<void>[] = [];
    const digests = new Map<string, PageJob[]>();
    for (const job of fresh) {
      if (job.reason === 'digest') {
        const key = `${job.routes[job.routeIndex]?.to}|${job.routeIndex}`;
        digests.set(key, [...(digests.get(key) ?? []), job]);
      } else started.push(this.track([job], this.runJob(job)));
    }
    for (const group of digests.values()) started.push(this.track(group, this.runDigest(group)));
    this.deps.jobs.pendingCount().then(
      (n) => this.deps.metrics.pagesPending.set(n),
      (err: unknown) => this.deps.log.warn({ err }, 'pending pages not counted'),
    );
    return started;
  }

  /** Waits for attempts under way; starts no more. */
  async close(): Promise<void> {
    this.closed = true;
    await this.lastLook;
    await Promise.all(this.inFlight.values());
  }

  private track(jobs: PageJob[], work: Promise<void>): Promise<void> {
    const guarded = work.catch((err: unknown) => this.deps.log.error({ err, jobs: jobs.map((j) => j.id) }, 'page job failed unexpectedly'));
    for (const job of jobs) this.inFlight.set(job.id, guarded);
    return guarded.finally(() => {
      for (const job of jobs) {
        this.inFlight.delete(job.id);
        if (this.looking) this.finishedDuringLook.add(job.id);
      }
    });
  }

  private report(alertId: string, outcome: DeliveryOutcome): void {
    try {
      this.events.emit('delivery', { alertId, outcome });
    } catch (err) {
      this.deps.log.error({ err, alertId, outcome: outcome.type }, 'a delivery listener failed');
    }
  }

  private personOf(id: string): Person {
    return resolvePerson(this.deps.registry, id) ?? { id, name: id, kind: 'worker', channels: [] };
  }

  private async runJob(job: PageJob): Promise<void> {
    for (;;) {
      const route = job.routes[job.routeIndex];
      const message = route === undefined ? undefined : await this.deps.compose.page(job, this.personOf(route.to));
      if (message === undefined) {
        await this.finish([job], 'cancelled');
        return;
      }
      if (!(await this.attempt([job], message))) return;
    }
  }

  private async runDigest(group: PageJob[]): Promise<void> {
    const nowMs = this.deps.now();
    const wanted = await Promise.all(group.map((job) => this.deps.compose.wantsDigest(job.alertId)));
    const live = group.filter((_, i) => wanted[i]);
    const gone = group.filter((_, i) => !wanted[i]);
    for (const job of gone) await this.deps.jobs.update({ ...job, state: 'cancelled' }, nowMs);
    if (live.length === 0) return;
    for (;;) {
      const route = live[0]!.routes[live[0]!.routeIndex];
      if (route === undefined) return;
      const message = await this.deps.compose.digest(live, this.personOf(route.to));
      if (!(await this.attempt(live, message))) return;
    }
  }

  /**
   * One attempt on the jobs' current route (a digest shares it among several jobs). Returns true
   * when the caller should go straight on to the next route.
   */
  private async attempt(jobs: PageJob[], message: OutboundMessage): Promise<boolean> {
    const { deps } = this;
    const lead = jobs[0]!;
    const route = lead.routes[lead.routeIndex]!;
    const channel = route.channel.type;
    // Still ours? A pager that stalled past its hold (a paused process) finds the job another's: not sent twice.
    if (!(await deps.jobs.renewClaim(jobs.map((j) => j.id), deps.claim.claimant, deps.now(), deps.claim.holdMs))) {
      deps.log.warn({ alerts: jobs.map((j) => j.alertId), to: route.to }, 'page job taken over by another gateway while this one was held up; not sent from here');
      return false;
    }
    if (lead.attempt === 0) for (const job of jobs) this.report(job.alertId, { type: 'paged', atMs: deps.now(), to: route.to, channel, step: job.step });
    try {
      await deps.send(route, message, `page-${lead.id}-${lead.routeIndex}`);
    } catch (err) {
      const attempt = lead.attempt + 1;
      const error = `attempt ${attempt} of ${deps.retry.maxAttempts}: ${(err as Error).message}`;
      const code = deliveryFailure(err);
      deps.metrics.pageAttempts.inc({ channel, outcome: 'failed' });
      deps.log.warn({ to: route.to, channel, alerts: jobs.map((j) => j.alertId), error }, 'page not delivered');
      const nowMs = deps.now();
      for (const job of jobs) this.report(job.alertId, { type: 'failed', atMs: nowMs, to: route.to, channel, error, code, attempt, maxAttempts: deps.retry.maxAttempts });
      if (attempt < deps.retry.maxAttempts) {
        const next = nowMs + deps.retry.backoffMs * 2 ** (attempt - 1);
        for (const job of jobs) Object.assign(job, { attempt, nextAttemptAtMs: next, lastError: error });
        for (const job of jobs) await deps.jobs.update(job, nowMs);
        return false;
      }
      if (lead.routeIndex + 1 < lead.routes.length) {
        for (const job of jobs) Object.assign(job, { routeIndex: job.routeIndex + 1, attempt: 0, nextAttemptAtMs: nowMs, lastError: error });
        for (const job of jobs) await deps.jobs.update(job, nowMs);
        return true;
      }
      for (const job of jobs) job.lastError = error;
      await this.finish(jobs, 'failed');
      deps.metrics.pagesUndeliverable.inc(jobs.length);
      const people = [...new Set(lead.routes.map((r) => r.to))];
      for (const job of jobs) this.report(job.alertId, { type: 'unreachable', atMs: nowMs, people });
      deps.log.error({ alerts: jobs.map((j) => j.alertId), people: people.join(', ') }, 'page undeliverable on every channel');
      return false;
    }
    deps.metrics.pageAttempts.inc({ channel, outcome: 'delivered' });
    const nowMs = deps.now();
    for (const job of jobs) this.report(job.alertId, { type: 'delivered', atMs: nowMs, to: route.to, channel });
    await this.finish(jobs, 'delivered');
    return false;
  }

  private async finish(jobs: PageJob[], state: PageJob['state']): Promise<void> {
    const nowMs = this.deps.now();
    for (const job of jobs) await this.deps.jobs.update({ ...job, state }, nowMs);
  }
}
