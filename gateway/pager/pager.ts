import type { Logger } from 'pino';
import type { Alert, RecordedEntry } from '../../rules/safety/index.js';
import type { AlertContext } from '../alerts/alert-context.js';
import type { GatewayMetrics } from '../metrics.js';
import type { Registry } from '../registry/registry.js';
import { deliveryFailure, type ChannelSender, type OutboundMessage } from './channels.js';
import { buildDigestMessage, buildPageMessage } from './page-message.js';
import type { PageJob, PageJobStore } from './page-jobs.js';
import { resolvePerson, type Person } from './recipients.js';
import { namesList, systemNote } from '../alerts/system-notes.js';

export interface RetryPolicy {
  /** Attempts per channel before falling through to the next one. */
  maxAttempts: number;
  /** Wait before the second attempt; doubles for each further one. */
  backoffMs: number;
}

export interface PagerDeps {
  jobs: PageJobStore;
  send: ChannelSender;
  registry: Registry;
  alert(id: string): Alert | undefined;
  /** Appends to the alert's timeline (and persists it). */
  record(alertId: string, entry: RecordedEntry): void;
  context(alert: Alert): AlertContext;
  /** The alert and context as this person may receive them (the resident's sharing choices); as they are when absent. */
  share?(alert: Alert, person: Person, context: AlertContext): { alert: Alert; context: AlertContext };
  ackUrl(alertId: string, personId: string): string;
  /** Accept and decline links for a responder dispatch page. */
  dispatchUrls(alertId: string, personId: string): { acceptUrl: string; declineUrl: string };
  timeZone: string;
  retry: RetryPolicy;
  metrics: GatewayMetrics;
  log: Logger;
  now(): number;
}

/**
 * Sends what the outbox holds. Each job walks its routes (a person's channels, or several people's
 * for "first reachable" roles): retries with backoff on one route, then falls through to the next,
 * and records every step on the alert's timeline. The job row is updated after each attempt, so a
 * restart resumes at the route and attempt it stopped at (a send cut off by a crash is sent again,
 * with the same Idempotency-Key).
 */
export class Pager {
  private readonly inFlight = new Map<number, Promise<void>>();
  private closed = false;

  constructor(private readonly deps: PagerDeps) {}

  /** Starts every due job not already running; resolves when those attempts have settled. */
  runDue(): Promise<void> {
    if (this.closed) return Promise.resolve();
    const nowMs = this.deps.now();
    const due = this.deps.jobs.due(nowMs).filter((job) => !this.inFlight.has(job.id));
    const started: Promise<void>[] = [];
    const digests = new Map<string, PageJob[]>();
    for (const job of due) {
      if (job.reason === 'digest') {
        const key = `${job.routes[job.routeIndex]?.to}|${job.routeIndex}`;
        digests.set(key, [...(digests.get(key) ?? []), job]);
      } else started.push(this.track([job], this.runJob(job)));
    }
    for (const group of digests.values()) started.push(this.track(group, this.runDigest(group)));
    this.deps.metrics.pagesPending.set(this.deps.jobs.pendingCount());
    return Promise.all(started).then(() => undefined);
  }

  /** Waits for attempts under way; starts no more. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.inFlight.values());
  }

  private track(jobs: PageJob[], work: Promise<void>): Promise<void> {
    const guarded = work.catch((err: unknown) => this.deps.log.error({ err, jobs: jobs.map((j) => j.id) }, 'page job failed unexpectedly'));
    for (const job of jobs) this.inFlight.set(job.id, guarded);
    return guarded.finally(() => {
      for (const job of jobs) this.inFlight.delete(job.id);
    });
  }

  private personOf(id: string): Person {
    return resolvePerson(this.deps.registry, id) ?? { id, name: id, kind: 'worker', channels: [] };
  }

  private shared(alert: Alert, person: Person): { alert: Alert; context: AlertContext } {
    const context = this.deps.context(alert);
    return this.deps.share === undefined ? { alert, context } : this.deps.share(alert, person, context);
  }

  private async runJob(job: PageJob): Promise<void> {
    for (;;) {
      const alert = this.deps.alert(job.alertId);
      const route = job.routes[job.routeIndex];
      if (alert === undefined || route === undefined) {
        this.finish([job], 'cancelled');
        return;
      }
      const person = this.personOf(route.to);
      const message = buildPageMessage({
        ...this.shared(alert, person),
        person,
        reason: job.reason,
        step: job.step,
        ackUrl: this.deps.ackUrl(alert.id, person.id),
        ...(job.reason === 'dispatch' ? { dispatch: this.deps.dispatchUrls(alert.id, person.id) } : {}),
        timeZone: this.deps.timeZone,
      });
      if (!(await this.attempt([job], message))) return;
    }
  }

  private async runDigest(group: PageJob[]): Promise<void> {
    const nowMs = this.deps.now();
    // Alerts closed overnight need no morning message.
    const live = group.filter((job) => {
      const alert = this.deps.alert(job.alertId);
      return alert !== undefined && alert.state !== 'resolved';
    });
    const gone = group.filter((job) => !live.includes(job));
    for (const job of gone) this.deps.jobs.update({ ...job, state: 'cancelled' }, nowMs);
    if (live.length === 0) return;
    for (;;) {
      const route = live[0]!.routes[live[0]!.routeIndex];
      if (route === undefined) return;
      const person = this.personOf(route.to);
      const items = live.map((job) => {
        const alert = this.deps.alert(job.alertId)!;
        return { ...this.shared(alert, person), ackUrl: this.deps.ackUrl(alert.id, person.id) };
      });
      const message = buildDigestMessage(person, items, this.deps.timeZone);
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
    if (lead.attempt === 0) for (const job of jobs) deps.record(job.alertId, { type: 'paged', atMs: deps.now(), to: route.to, channel, step: job.step });
    try {
      await deps.send(route, message, `page-${lead.id}-${lead.routeIndex}`);
    } catch (err) {
      const attempt = lead.attempt + 1;
      const error = `attempt ${attempt} of ${deps.retry.maxAttempts}: ${(err as Error).message}`;
      const code = deliveryFailure(err);
      deps.metrics.pageAttempts.inc({ channel, outcome: 'failed' });
      deps.log.warn({ to: route.to, channel, alerts: jobs.map((j) => j.alertId), error }, 'page not delivered');
      const nowMs = deps.now();
      for (const job of jobs) deps.record(job.alertId, { type: 'failed', atMs: nowMs, to: route.to, channel, error, code, attempt, maxAttempts: deps.retry.maxAttempts });
      if (attempt < deps.retry.maxAttempts) {
        const next = nowMs + deps.retry.backoffMs * 2 ** (attempt - 1);
        for (const job of jobs) Object.assign(job, { attempt, nextAttemptAtMs: next, lastError: error });
        for (const job of jobs) deps.jobs.update(job, nowMs);
        return false;
      }
      if (lead.routeIndex + 1 < lead.routes.length) {
        for (const job of jobs) Object.assign(job, { routeIndex: job.routeIndex + 1, attempt: 0, nextAttemptAtMs: nowMs, lastError: error });
        for (const job of jobs) deps.jobs.update(job, nowMs);
        return true;
      }
      for (const job of jobs) job.lastError = error;
      this.finish(jobs, 'failed');
      deps.metrics.pagesUndeliverable.inc(jobs.length);
      const people = [...new Set(lead.routes.map((r) => r.to))].join(', ');
      const names = [...new Set(lead.routes.map((r) => this.personOf(r.to).name))];
      for (const job of jobs) deps.record(job.alertId, systemNote('unreachable', { people: namesList(names, 'en'), peopleZh: namesList(names, 'zh') }, nowMs));
      deps.log.error({ alerts: jobs.map((j) => j.alertId), people }, 'page undeliverable on every channel');
      return false;
    }
    deps.metrics.pageAttempts.inc({ channel, outcome: 'delivered' });
    const nowMs = deps.now();
    for (const job of jobs) deps.record(job.alertId, { type: 'delivered', atMs: nowMs, to: route.to, channel });
    this.finish(jobs, 'delivered');
    return false;
  }

  private finish(jobs: PageJob[], state: PageJob['state']): void {
    const nowMs = this.deps.now();
    for (const job of jobs) this.deps.jobs.update({ ...job, state }, nowMs);
  }
}
