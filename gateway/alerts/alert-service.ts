import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import {
  alertKey,
  type Alert,
  type AlertChange,
  type AlertEventName,
  type AlertMachine,
  type EscalationPlanner,
  type NoteEntry,
  type RaiseInput,
  type RecordedEntry,
  type RuleOutcome,
} from '../../rules/safety/index.js';
import type { GatewayMetrics } from '../metrics.js';
import type { NewPageJob, PageReason } from '../pager/page-jobs.js';
import type { PagePlanner, UnreachableRole } from '../pager/page-planning.js';
import type { DeliveryReport } from '../pager/pager.js';
import { resolvePerson } from '../pager/recipients.js';
import type { Registry } from '../registry/registry.js';
import { oneAtATime } from '../store/one-at-a-time.js';
import { LeaseLostError, type Fence } from '../store/fence.js';
import { AlertConflict, type AlertFilter, type AlertStore, type KeyedAlert } from './alert-store.js';
import { AlertWorkingSet } from './alert-working-set.js';
import { isDrill } from './drill-marker.js';
import { ROLE_WORDS, namesList, ruleNote, systemNote } from './system-notes.js';

export interface AlertServiceEvents {
  /** After the change is committed to the store. */
  changed: [alert: Alert, events: AlertEventName[]];
  /** Pages were queued; the pager should look at its outbox. */
  pagesQueued: [];
  /** Another gateway sharing the store changed the alert (it published and paged; this one shows it). */
  changedElsewhere: [alert: Alert, events: AlertEventName[]];
  /** Someone acked (the first ack changes the alert, later ones do not, but a drill counts each person's). */
  ackRequested: [alert: Alert, by: string, atMs: number];
}

export interface AlertServiceDeps {
  /** The alerts with their timelines, and the unit that writes an alert with its pages. */
  store: AlertStore;
  registry: Registry;
  machine: AlertMachine;
  planner: EscalationPlanner;
  /** Who each step and direct page reaches, as outbox jobs. */
  pages: PagePlanner;
  metrics: GatewayMetrics;
  log: Logger;
  now(): number;
  /**
   * Several gateways: the lease under which this one changes an alert on its own (a rule's
   * outcome, an escalation step), or 'elsewhere' when another gateway does. Alone: not given.
   */
  fenceFor?(subject: string): Fence | 'elsewhere';
}

type RaiseRequest = RaiseInput & { source?: string; dedupKey?: string };

/** Notes people wrote on an alert (the gateway's own notes have no author). */
export function peopleNotes(alert: Alert): number {
  return alert.timeline.reduce((n, e) => (e.type === 'note' && e.by !== null ? n + 1 : n), 0);
}

/** A note refused: the alert already has as many notes as allowed. */
export class AlertNotesFull extends Error {
  override name = 'AlertNotesFull';
  constructor(readonly notes: number) {
    super(`the alert has ${notes} notes, the most allowed`);
  }
}

/**
 * The one place alerts change: dedup, lifecycle, escalation and the pager's outbox. Every change
 * is one store commit (the alert with its timeline, and the pages it asks for) before anyone
 * hears of it, so a crash never loses an alert or an escalation step, and never repeats one.
 *
 * Changes run one at a time for the whole service, in the order they were asked for: each reads
 * the working set, commits, and updates the working set before the next one reads it. Per alert
 * would not be enough: a raise has no alert id yet, dedup and the active count span all alerts,
 * and escalation walks them all. Alert changes are rare next to readings, so one queue costs nothing.
 */
export class AlertService {
  readonly events = new EventEmitter<AlertServiceEvents>();
  /** Open and acked alerts. */
  private readonly active: AlertWorkingSet;
  /** Changes, one at a time in the order asked (see the class comment). */
  private readonly serially = oneAtATime();
  /** The lease of the change under way (`underLease`), carried by its commits. */
  private fence: Fence | undefined;

  /** The service over the store's working set (every open and acked alert). */
  static async open(deps: AlertServiceDeps): Promise<AlertService> {
    return new AlertService(deps, await deps.store.listActive());
  }

  private constructor(
    private readonly deps: AlertServiceDeps,
    activeAlerts: readonly Alert[],
  ) {
    this.active = new AlertWorkingSet((n) => deps.metrics.alertsActive.set(n));
    this.active.replace(activeAlerts);
  }

  /** Resolves when every change asked for so far has been committed and heard. */
  settled(): Promise<void> {
    return this.serially(async () => undefined);
  }

  /** An open or acked alert, from the working set. */
  activeAlert(id: string): Alert | undefined {
    return this.active.get(id);
  }

  /** Any alert: the working set, then the store. */
  async get(id: string): Promise<Alert | undefined> {
    return this.active.get(id) ?? (await this.deps.store.get(id));
  }

  activeFor(subject: string, kind: Alert['kind'], dedupKey?: string): Alert | undefined {
    return this.active.byDedupKey(dedupKey ?? alertKey(subject, kind));
  }

  list(filter: AlertFilter): Promise<Alert[]> {
    return this.deps.store.list(filter);
  }

  /** Open and acked real alerts (a drill's are left out: a real cabinet never links to a drill). */
  activeAlerts(): Alert[] {
    return this.active.all().filter((a) => !isDrill(a));
  }

  /**
   * Opens an alert or counts another occurrence of the open one; a new alert is paged at once.
   * `dedupKey` splits one subject's alerts of a kind (each fault of a cabinet); `source` says
   * where a raise came from when it is not a built-in rule (a flow).
   */
  raise(input: RaiseRequest): Promise<Alert> {
    return this.serially(() => this.redoneOnConflict(() => this.raiseNow(input)));
  }

  private async raiseNow(input: RaiseRequest): Promise<Alert> {
    const { source, dedupKey, ...raise } = input;
    const current = this.active.byDedupKey(dedupKey ?? alertKey(raise.subject, raise.kind));
    const details = source === undefined ? raise.details : { ...raise.details, source };
    const change = this.deps.machine.raise(current, { ...raise, details });
    if (dedupKey !== undefined) (change.alert as KeyedAlert).dedupKey = dedupKey;
    await this.commit(change);
    // A drill is never counted as a real alert; counted once committed (a change made again after a conflict is not counted twice).
    if (change.events.includes('alertRaised') && !isDrill(change.alert)) this.deps.metrics.alertsRaised.inc({ kind: raise.kind, severity: raise.severity });
    // A repeat may be a new critical occurrence that pages again (the planner decides).
    if (change.events.some((e) => e === 'alertRaised' || e === 'alertSeverityRaised' || e === 'alertRepeated')) await this.escalateOne(change.alert, this.deps.now());
    return this.active.get(change.alert.id) ?? change.alert;
  }

  /** Applies what the rules concluded. */
  applyOutcomes(outcomes: readonly RuleOutcome[]): Promise<void> {
    if (outcomes.length === 0) return Promise.resolve();
    return this.serially(async () => {
      for (const outcome of outcomes) {
        try {
          await this.underLease(outcome.subject, () => this.redoneOnConflict(() => this.applyOutcome(outcome)));
        } catch (err) {
          if (err instanceof LeaseLostError) this.deps.log.warn({ outcome }, 'a rule outcome for a resident another gateway now evaluates; left to it');
          else this.deps.log.error({ err, outcome }, 'applying a rule outcome failed');
        }
      }
    });
  }

  private async applyOutcome(outcome: RuleOutcome): Promise<void> {
    const current = this.active.byDedupKey(alertKey(outcome.subject, outcome.kind));
    switch (outcome.type) {
      case 'raise':
        await this.raiseNow({ kind: outcome.kind, severity: outcome.severity, subject: outcome.subject, grid: outcome.grid, details: outcome.details, occurredAtMs: outcome.occurredAtMs });
        return;
      case 'clear':
        if (current !== undefined) await this.commit(this.deps.machine.clear(current, { atMs: outcome.occurredAtMs }));
        return;
      case 'note':
        if (current !== undefined) await this.commit(this.deps.machine.record(current, ruleNote(outcome, outcome.occurredAtMs)));
        return;
      case 'falseAlarm':
        await this.recordFalseAlarm(outcome, current);
        return;
      case 'pending':
        this.deps.log.info({ subject: outcome.subject, kind: outcome.kind, untilMs: outcome.untilMs }, 'condition pending its window');
        return;
    }
  }

  /** A fall cancelled by the wearer inside its window: kept as a closed record, never paged. */
  private async recordFalseAlarm(outcome: Extract<RuleOutcome, { type: 'falseAlarm' }>, current: Alert | undefined): Promise<void> {
    const atMs = outcome.occurredAtMs;
    if (current !== undefined) {
      await this.commit(this.deps.machine.record(current, systemNote('laterFallCancelled', {}, atMs)));
      return;
    }
    const opened = this.deps.machine.raise(undefined, {
      kind: outcome.kind,
      severity: 'low',
      subject: outcome.subject,
      grid: outcome.grid,
      details: { ...outcome.details, falseAlarm: true },
      occurredAtMs: atMs,
    });
    const closed = this.deps.machine.resolve(opened.alert, { by: 'wearer', atMs, note: 'False alarm: the wearer pressed "I\'m OK" inside the cancel window.' });
    await this.commit({ alert: closed.alert, changed: true, events: ['alertRaised', 'alertResolved'] });
  }

  /** The condition behind an alert is over: resolves it where its kind allows. */
  clear(dedupKey: string, atMs: number): Promise<Alert | undefined> {
    return this.serially(() => this.redoneOnConflict(async () => {
      const current = this.active.byDedupKey(dedupKey);
      if (current === undefined) return undefined;
      const change = this.deps.machine.clear(current, { atMs });
      await this.commit(change);
      return change.alert;
    }));
  }

  /**
   * Pages people about an alert outside its escalation policy (a responder dispatch, a notice
   * that a condition eased). Each person is one job over their own channels. Returns how many.
   */
  pageDirect(alertId: string, personIds: readonly string[], options: { reason: Extract<PageReason, 'dispatch' | 'notice'>; role: string; notBeforeMs?: number }): Promise<number> {
    return this.serially(async () => {
      if ((await this.get(alertId)) === undefined) return 0;
      const nowMs = this.deps.now();
      const jobs = this.deps.pages.direct(alertId, personIds, { reason: options.reason, role: options.role, atMs: Math.max(nowMs, options.notBeforeMs ?? nowMs) });
      if (jobs.length === 0) return 0;
      await this.deps.store.commit({ atMs: nowMs, jobs });
      this.emitQueued();
      return jobs.length;
    });
  }

  ack(id: string, by: string, note?: string): Promise<Alert | undefined> {
    return this.serially(() => this.redoneOnConflict(async () => {
      const alert = await this.get(id);
      if (alert === undefined) return undefined;
      const change = this.deps.machine.ack(alert, { by, atMs: this.deps.now(), ...(note === undefined ? {} : { note }) });
      // Once someone has it, the remaining escalation pages and re-pages are not sent.
      await this.commit(change, [], change.changed ? ['step', 'repage'] : [], alert);
      try {
        this.events.emit('ackRequested', change.alert, by, this.deps.now());
      } catch (err) {
        this.deps.log.error({ err, alertId: id }, 'an ack listener failed');
      }
      return change.alert;
    }));
  }

  resolve(id: string, by: string, note?: string): Promise<Alert | undefined> {
    return this.serially(() => this.redoneOnConflict(async () => {
      const alert = await this.get(id);
      if (alert === undefined) return undefined;
      const change = this.deps.machine.resolve(alert, { by, atMs: this.deps.now(), ...(note === undefined ? {} : { note }) });
      await this.commit(change, [], change.changed ? ['step', 'repage', 'digest'] : [], alert);
      return change.alert;
    }));
  }

  /** Adds a person's note; with `maxNotes`, refuses it (AlertNotesFull) when the alert has that many, counted in the change itself. */
  note(id: string, text: string, by: string, maxNotes = Number.POSITIVE_INFINITY): Promise<Alert | undefined> {
    return this.serially(() => this.redoneOnConflict(async () => {
      const alert = await this.get(id);
      if (alert === undefined) return undefined;
      const notes = peopleNotes(alert);
      if (notes >= maxNotes) throw new AlertNotesFull(notes);
      const change = this.deps.machine.note(alert, { text, by, atMs: this.deps.now() });
      await this.commit(change, [], [], alert);
      return change.alert;
    }));
  }

  /** The pager's account of what it did, on the alert's timeline: the one place delivery outcomes are recorded. */
  recordDelivery({ alertId, outcome }: DeliveryReport): Promise<void> {
    if (outcome.type !== 'unreachable') return this.record(alertId, outcome);
    const names = outcome.people.map((id) => this.nameOf(id));
    return this.record(alertId, systemNote('unreachable', { people: namesList(names, 'en'), peopleZh: namesList(names, 'zh') }, outcome.atMs));
  }

  /** Appends to an alert's timeline (a note of the gateway's own, a step of a hand-off). */
  record(alertId: string, entry: RecordedEntry): Promise<void> {
    return this.serially(() => this.redoneOnConflict(async () => {
      const alert = await this.get(alertId);
      if (alert === undefined) return;
      await this.commit(this.deps.machine.record(alert, entry), [], [], alert);
    }));
  }

  /** Takes every escalation step that has fallen due. */
  escalate(nowMs: number): Promise<void> {
    return this.serially(async () => {
      for (const alert of this.active.all()) {
        // Another gateway takes the steps of the alerts of its partitions.
        if (this.deps.fenceFor?.(alert.subject) === 'elsewhere') continue;
        try {
          await this.underLease(alert.subject, () =>
            this.redoneOnConflict(async () => {
              // After a conflict, the alert as the store now has it (acked elsewhere: nothing may be due).
              const current = this.active.get(alert.id);
              if (current !== undefined) await this.escalateOne(current, nowMs);
            }),
          );
        } catch (err) {
          if (err instanceof LeaseLostError) this.deps.log.warn({ alertId: alert.id }, 'escalation left to the gateway that now holds the alert');
          else this.deps.log.error({ err, alertId: alert.id }, 'escalation failed');
        }
      }
    });
  }

  private async escalateOne(alert: Alert, nowMs: number): Promise<void> {
    const { planner, pages } = this.deps;
    const plan = planner.plan({ alert, nowMs, ...pages.escalationInputs(alert, nowMs) });
    if (plan.due.length === 0) return;
    let next = alert;
    const jobs: NewPageJob[] = [];
    for (const action of plan.due) {
      next = planner.apply(next, action, nowMs);
      const planned = pages.forAction(next, action, nowMs);
      jobs.push(...planned.jobs);
      for (const role of planned.noChannel) next = this.deps.machine.record(next, this.noChannelNote(role, nowMs)).alert;
    }
    await this.commit({ alert: next, changed: true, events: ['alertRecorded'] }, jobs);
  }

  /**
   * Runs a change the gateway makes on its own under the lease of the subject's partition: its
   * commits carry the lease and are refused (LeaseLostError) once it is gone. Called serially.
   */
  private async underLease<T>(subject: string, change: () => Promise<T>): Promise<T> {
    const fence = this.deps.fenceFor?.(subject);
    if (fence === undefined) return change();
    if (fence === 'elsewhere') throw new LeaseLostError(-1);
    this.fence = fence;
    try {
      return await change();
    } finally {
      this.fence = undefined;
    }
  }

  /**
   * Runs a change; when another gateway changed the alert first (AlertConflict), reads the working
   * set again and makes the change once more from what is now stored.
   */
  private async redoneOnConflict<T>(change: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await change();
      } catch (err) {
        if (!(err instanceof AlertConflict) || attempt >= 5) throw err;
        this.deps.log.info({ alertId: err.alertId, attempt }, 'alert changed by another gateway; made again from what is stored');
        await this.reloadWorkingSet();
      }
    }
  }

  /**
   * Another gateway committed a change of this alert (or this one did: then nothing differs). The
   * working set takes the stored alert, and `changedElsewhere` tells this gateway's viewers.
   */
  followed(alertId: string): Promise<void> {
    return this.serially(async () => {
      const stored = await this.deps.store.get(alertId);
      const known = this.active.get(alertId);
      if (stored === undefined) {
        // Erased with a resident who left, by another gateway: gone from this one's working set too.
        if (known !== undefined) this.active.keep({ ...known, state: 'resolved' });
        return;
      }
      if (known !== undefined && JSON.stringify(known) === JSON.stringify(stored)) return;
      // A resolved alert this gateway did not hold is history already; nothing to show as a change.
      if (known === undefined && stored.state === 'resolved') return;
      this.active.keep(stored);
      const events: AlertEventName[] =
        known === undefined ? ['alertRaised'] : known.state === stored.state ? ['alertRecorded'] : stored.state === 'acked' ? ['alertAcked'] : stored.state === 'resolved' ? ['alertResolved'] : ['alertRecorded'];
      try {
        this.events.emit('changedElsewhere', stored, events);
      } catch (err) {
        this.deps.log.error({ err, alertId }, 'an alert listener failed');
      }
    });
  }

  /** After missing other gateways' news (the database was away): the working set read again whole. */
  resync(): Promise<void> {
    return this.serially(() => this.reloadWorkingSet());
  }

  /** The working set as the store has it now (changes made by other gateways included). */
  private async reloadWorkingSet(): Promise<void> {
    this.active.replace(await this.deps.store.listActive());
  }

  private nameOf(personId: string): string {
    return resolvePerson(this.deps.registry, personId)?.name ?? personId;
  }

  /** Names the people of a role who were due a page and have no channel to be paged on. */
  private noChannelNote({ role, people }: UnreachableRole, atMs: number): NoteEntry {
    const words = ROLE_WORDS[role] ?? { en: role, zh: role };
    const names = people.map((id) => this.nameOf(id));
    return systemNote('noChannelRole', { role: words.en, roleZh: words.zh, people: namesList(names, 'en'), peopleZh: namesList(names, 'zh') }, atMs);
  }

  /** Commits the change and the pages it asks for as one unit, then updates the working set and tells listeners. */
  private async commit(change: AlertChange, jobs: readonly NewPageJob[] = [], cancelPending: readonly PageReason[] = [], madeFrom?: Alert): Promise<void> {
    if (!change.changed) return;
    const { alert } = change;
    // Made from this copy (the working set's, the store's, or a new alert): the store refuses it if another gateway changed it first.
    const basedOn = madeFrom ?? this.active.get(alert.id) ?? (change.events.includes('alertRaised') ? 'new' : undefined);
    const { cancelled } = await this.deps.store.commit({
      atMs: this.deps.now(),
      alert,
      jobs,
      ...(basedOn === undefined ? {} : { basedOn }),
      ...(this.fence === undefined ? {} : { fence: this.fence }),
      ...(cancelPending.length > 0 ? { cancelPending } : {}),
    });
    this.active.keep(alert);
    if (cancelled > 0) this.deps.log.info({ alertId: alert.id, cancelled }, 'pending pages cancelled');
    this.emit(alert, change.events);
    if (jobs.length > 0) this.emitQueued();
  }

  private emit(alert: Alert, events: AlertEventName[]): void {
    try {
      this.events.emit('changed', alert, events);
    } catch (err) {
      this.deps.log.error({ err, alertId: alert.id }, 'an alert listener failed');
    }
  }

  private emitQueued(): void {
    try {
      this.events.emit('pagesQueued');
    } catch (err) {
      this.deps.log.error({ err }, 'the pager could not be woken');
    }
  }
}

export type { AlertChange };
