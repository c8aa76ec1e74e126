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
import type { NewPageJob, PageJobStore } from '../pager/page-jobs.js';
import type { PagePlanner, UnreachableRole } from '../pager/page-planning.js';
import type { DeliveryReport } from '../pager/pager.js';
import { resolvePerson } from '../pager/recipients.js';
import type { Registry } from '../registry/registry.js';
import type { SqliteDatabase } from '../store/sqlite-database.js';
import { dedupKeyOf, type AlertFilter, type AlertStore, type KeyedAlert } from './alert-store.js';
import { isDrill } from './drill-marker.js';
import { ROLE_WORDS, namesList, ruleNote, systemNote } from './system-notes.js';

export interface AlertServiceEvents {
  /** After the change is committed to the store. */
  changed: [alert: Alert, events: AlertEventName[]];
  /** Pages were queued; the pager should look at its outbox. */
  pagesQueued: [];
  /** Someone acked (the first ack changes the alert, later ones do not, but a drill counts each person's). */
  ackRequested: [alert: Alert, by: string, atMs: number];
}

export interface AlertServiceDeps {
  db: SqliteDatabase;
  store: AlertStore;
  jobs: PageJobStore;
  registry: Registry;
  machine: AlertMachine;
  planner: EscalationPlanner;
  /** Who each step and direct page reaches, as outbox jobs. */
  pages: PagePlanner;
  metrics: GatewayMetrics;
  log: Logger;
  now(): number;
}

/**
 * The one place alerts change: dedup, lifecycle, escalation and the pager's outbox. Every change
 * is one SQLite transaction (the alert with its timeline, and the pages it asks for) before anyone
 * hears of it, so a crash never loses an alert or an escalation step, and never repeats one.
 */
export class AlertService {
  readonly events = new EventEmitter<AlertServiceEvents>();
  /** Open and acked alerts by (subject, kind). */
  private readonly active = new Map<string, Alert>();
  /** The same alerts by id: the pager and the API look alerts up by id on every step. */
  private readonly activeById = new Map<string, Alert>();

  constructor(private readonly deps: AlertServiceDeps) {
    for (const alert of deps.store.listActive()) {
      this.active.set(dedupKeyOf(alert), alert);
      this.activeById.set(alert.id, alert);
    }
    deps.metrics.alertsActive.set(this.realActiveCount());
  }

  private realActiveCount(): number {
    let n = 0;
    for (const alert of this.active.values()) if (!isDrill(alert)) n += 1;
    return n;
  }

  get(id: string): Alert | undefined {
    return this.activeById.get(id) ?? this.deps.store.get(id);
  }

  activeFor(subject: string, kind: Alert['kind'], dedupKey?: string): Alert | undefined {
    return this.active.get(dedupKey ?? alertKey(subject, kind));
  }

  list(filter: AlertFilter): Alert[] {
    return this.deps.store.list(filter);
  }

  /** Open and acked real alerts (a drill's are left out: a real cabinet never links to a drill). */
  activeAlerts(): Alert[] {
    return [...this.active.values()].filter((a) => !isDrill(a));
  }

  /**
   * Opens an alert or counts another occurrence of the open one; a new alert is paged at once.
   * `dedupKey` splits one subject's alerts of a kind (each fault of a cabinet); `source` says
   * where a raise came from when it is not a built-in rule (a flow).
   */
  raise(input: RaiseInput & { source?: string; dedupKey?: string }): Alert {
    const { source, dedupKey, ...raise } = input;
    const current = this.active.get(dedupKey ?? alertKey(raise.subject, raise.kind));
    const details = source === undefined ? raise.details : { ...raise.details, source };
    const change = this.deps.machine.raise(current, { ...raise, details });
    if (dedupKey !== undefined) (change.alert as KeyedAlert).dedupKey = dedupKey;
    // A drill is never counted as a real alert.
    if (change.events.includes('alertRaised') && !isDrill(change.alert)) this.deps.metrics.alertsRaised.inc({ kind: raise.kind, severity: raise.severity });
    this.commit(change);
    // Listeners may have added to the timeline meanwhile: escalate the stored alert, not the change's copy.
    // A repeat may be a new critical occurrence that pages again (the planner decides).
    if (change.events.some((e) => e === 'alertRaised' || e === 'alertSeverityRaised' || e === 'alertRepeated')) this.escalateOne(this.get(change.alert.id)!, this.deps.now());
    return this.get(change.alert.id)!;
  }

  /** Applies what the rules concluded. */
  applyOutcomes(outcomes: readonly RuleOutcome[]): void {
    for (const outcome of outcomes) {
      try {
        this.applyOutcome(outcome);
      } catch (err) {
        this.deps.log.error({ err, outcome }, 'applying a rule outcome failed');
      }
    }
  }

  private applyOutcome(outcome: RuleOutcome): void {
    const current = this.active.get(alertKey(outcome.subject, outcome.kind));
    switch (outcome.type) {
      case 'raise':
        this.raise({ kind: outcome.kind, severity: outcome.severity, subject: outcome.subject, grid: outcome.grid, details: outcome.details, occurredAtMs: outcome.occurredAtMs });
        return;
      case 'clear':
        if (current !== undefined) this.commit(this.deps.machine.clear(current, { atMs: outcome.occurredAtMs }));
        return;
      case 'note':
        if (current !== undefined) this.commit(this.deps.machine.record(current, ruleNote(outcome, outcome.occurredAtMs)));
        return;
      case 'falseAlarm':
        this.recordFalseAlarm(outcome, current);
        return;
      case 'pending':
        this.deps.log.info({ subject: outcome.subject, kind: outcome.kind, untilMs: outcome.untilMs }, 'condition pending its window');
        return;
    }
  }

  /** A fall cancelled by the wearer inside its window: kept as a closed record, never paged. */
  private recordFalseAlarm(outcome: Extract<RuleOutcome, { type: 'falseAlarm' }>, current: Alert | undefined): void {
    const atMs = outcome.occurredAtMs;
    if (current !== undefined) {
      this.commit(this.deps.machine.record(current, systemNote('laterFallCancelled', {}, atMs)));
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
    this.commit({ alert: closed.alert, changed: true, events: ['alertRaised', 'alertResolved'] });
  }

  /** The condition behind an alert is over: resolves it where its kind allows. */
  clear(dedupKey: string, atMs: number): Alert | undefined {
    const current = this.active.get(dedupKey);
    if (current === undefined) return undefined;
    const change = this.deps.machine.clear(current, { atMs });
    this.commit(change);
    return change.alert;
  }

  /**
   * Pages people about an alert outside its escalation policy (a responder dispatch, a notice
   * that a condition eased). Each person is one job over their own channels.
   */
  pageDirect(alertId: string, personIds: readonly string[], options: { reason: 'dispatch' | 'notice'; role: string; notBeforeMs?: number }): number {
    const alert = this.get(alertId);
    if (alert === undefined) return 0;
    const nowMs = this.deps.now();
    const jobs = this.deps.pages.direct(alertId, personIds, { reason: options.reason, role: options.role, atMs: Math.max(nowMs, options.notBeforeMs ?? nowMs) });
    if (jobs.length === 0) return 0;
    this.deps.db.transaction(() => {
      for (const job of jobs) this.deps.jobs.insert(job, nowMs);
    })();
    this.emitQueued();
    return jobs.length;
  }

  ack(id: string, by: string, note?: string): Alert | undefined {
    const alert = this.get(id);
    if (alert === undefined) return undefined;
    const change = this.deps.machine.ack(alert, { by, atMs: this.deps.now(), ...(note === undefined ? {} : { note }) });
    // Once someone has it, the remaining escalation pages and re-pages are not sent.
    this.commit(change, [], change.changed ? ['step', 'repage'] : []);
    try {
      this.events.emit('ackRequested', change.alert, by, this.deps.now());
    } catch (err) {
      this.deps.log.error({ err, alertId: id }, 'an ack listener failed');
    }
    return change.alert;
  }

  resolve(id: string, by: string, note?: string): Alert | undefined {
    const alert = this.get(id);
    if (alert === undefined) return undefined;
    const change = this.deps.machine.resolve(alert, { by, atMs: this.deps.now(), ...(note === undefined ? {} : { note }) });
    this.commit(change, [], change.changed ? ['step', 'repage', 'digest'] : []);
    return change.alert;
  }

  note(id: string, text: string, by: string): Alert | undefined {
    const alert = this.get(id);
    if (alert === undefined) return undefined;
    const change = this.deps.machine.note(alert, { text, by, atMs: this.deps.now() });
    this.commit(change);
    return change.alert;
  }

  /** The pager's account of what it did, on the alert's timeline: the one place delivery outcomes are recorded. */
  recordDelivery({ alertId, outcome }: DeliveryReport): void {
    if (outcome.type !== 'unreachable') {
      this.record(alertId, outcome);
      return;
    }
    const names = outcome.people.map((id) => this.nameOf(id));
    this.record(alertId, systemNote('unreachable', { people: namesList(names, 'en'), peopleZh: namesList(names, 'zh') }, outcome.atMs));
  }

  /** Appends to an alert's timeline (a note of the gateway's own, a step of a hand-off). */
  record(alertId: string, entry: RecordedEntry): void {
    const alert = this.get(alertId);
    if (alert === undefined) return;
    this.commit(this.deps.machine.record(alert, entry));
  }

  /** Takes every escalation step that has fallen due. */
  escalate(nowMs: number): void {
    for (const alert of [...this.active.values()]) {
      try {
        this.escalateOne(alert, nowMs);
      } catch (err) {
        this.deps.log.error({ err, alertId: alert.id }, 'escalation failed');
      }
    }
  }

  private escalateOne(alert: Alert, nowMs: number): void {
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
    this.commit({ alert: next, changed: true, events: ['alertRecorded'] }, jobs);
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

  /** Persists the change and the pages it asks for in one transaction, then tells listeners. */
  private commit(change: AlertChange, jobs: readonly NewPageJob[] = [], cancelReasons: readonly NewPageJob['reason'][] = []): void {
    if (!change.changed) return;
    const { alert } = change;
    const nowMs = this.deps.now();
    let cancelled = 0;
    this.deps.db.transaction(() => {
      this.deps.store.save(alert, nowMs);
      for (const job of jobs) this.deps.jobs.insert(job, nowMs);
      if (cancelReasons.length > 0) cancelled = this.deps.jobs.cancelPending(alert.id, cancelReasons, nowMs);
    })();
    const key = dedupKeyOf(alert);
    if (alert.state === 'resolved') {
      if (this.active.get(key)?.id === alert.id) this.active.delete(key);
      this.activeById.delete(alert.id);
    } else {
      this.active.set(key, alert);
      this.activeById.set(alert.id, alert);
    }
    this.deps.metrics.alertsActive.set(this.realActiveCount());
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
