import type { Alert, AlertKind, RecordedEntry, TimelineEntry } from './alert.js';
import { MANUAL_CLOSE_KINDS } from './alert.js';
import type { Severity } from './severity.js';
import { maxSeverity, severityRank } from './severity.js';
import type { OutcomeDetails } from './types.js';

export interface RaiseInput {
  kind: AlertKind;
  severity: Severity;
  subject: string;
  grid: string;
  details: OutcomeDetails;
  occurredAtMs: number;
}

export type AlertEventName =
  | 'alertRaised'
  | 'alertRepeated'
  | 'alertSeverityRaised'
  | 'alertAcked'
  | 'alertResolved'
  | 'alertNoted'
  | 'alertRecorded';

/** The alert after a step, whether anything changed, and what to announce (SSE, MQTT). */
export interface AlertChange {
  alert: Alert;
  changed: boolean;
  events: AlertEventName[];
}

export interface AlertMachineDeps {
  newId: () => string;
}

export interface AlertMachine {
  /**
   * Opens an alert, or adds an occurrence to the active one for the same (subject, kind). `current`
   * is that active alert if any; a resolved one counts as none, and a new alert is opened.
   */
  raise(current: Alert | undefined, input: RaiseInput): AlertChange;
  /** The condition cleared: resolves the alert unless a person must close this kind. */
  clear(alert: Alert, input: { atMs: number }): AlertChange;
  ack(alert: Alert, input: { by: string; atMs: number; note?: string }): AlertChange;
  resolve(alert: Alert, input: { by: string; atMs: number; note?: string }): AlertChange;
  note(alert: Alert, input: { text: string; atMs: number; by?: string }): AlertChange;
  /** Appends what the pager or the escalation timer did; allowed in every state, since it is history. */
  record(alert: Alert, entry: RecordedEntry): AlertChange;
}

function unchanged(alert: Alert): AlertChange {
  return { alert, changed: false, events: [] };
}

function append(alert: Alert, entry: TimelineEntry, patch: Partial<Alert> = {}): Alert {
  return { ...alert, ...patch, timeline: [...alert.timeline, entry] };
}

/** The alert lifecycle as pure functions: open -> acked -> resolved, ack and resolve idempotent. */
export function createAlertMachine(deps: AlertMachineDeps): AlertMachine {
  return {
    raise(current, input) {
      const atMs = input.occurredAtMs;
      if (current === undefined || current.state === 'resolved') {
        const alert: Alert = {
          id: deps.newId(),
          kind: input.kind,
          severity: input.severity,
          state: 'open',
          subject: input.subject,
          grid: input.grid,
          createdAt: atMs,
          ackedAt: null,
          resolvedAt: null,
          assignee: null,
          occurrences: 1,
          lastOccurredAt: atMs,
          details: input.details,
          timeline: [{ type: 'raised', atMs, severity: input.severity, occurrence: 1 }],
        };
        return { alert, changed: true, events: ['alertRaised'] };
      }
      if (current.kind !== input.kind || current.subject !== input.subject) {
        throw new Error(`raise for ${input.kind}:${input.subject} given alert ${current.kind}:${current.subject}`);
      }
      const severity = maxSeverity(current.severity, input.severity);
      const lifted = severityRank(severity) > severityRank(current.severity);
      const occurrence = current.occurrences + 1;
      const entry: TimelineEntry = lifted
        ? { type: 'raised', atMs, severity, occurrence, previousSeverity: current.severity }
        : { type: 'raised', atMs, severity, occurrence };
      const alert = append(current, entry, {
        severity,
        occurrences: occurrence,
        lastOccurredAt: Math.max(current.lastOccurredAt, atMs),
        details: input.details,
      });
      return { alert, changed: true, events: lifted ? ['alertRepeated', 'alertSeverityRaised'] : ['alertRepeated'] };
    },

    clear(alert, { atMs }) {
      if (alert.state === 'resolved' || MANUAL_CLOSE_KINDS.has(alert.kind)) return unchanged(alert);
      const entry: TimelineEntry = { type: 'resolved', atMs, by: null, reason: 'cleared' };
      return { alert: append(alert, entry, { state: 'resolved', resolvedAt: atMs }), changed: true, events: ['alertResolved'] };
    },

    ack(alert, { by, atMs, note }) {
      if (alert.state !== 'open') return unchanged(alert);
      const entry: TimelineEntry = note === undefined ? { type: 'acked', atMs, by } : { type: 'acked', atMs, by, note };
      const patch: Partial<Alert> = { state: 'acked', ackedAt: atMs, assignee: alert.assignee ?? by };
      return { alert: append(alert, entry, patch), changed: true, events: ['alertAcked'] };
    },

    resolve(alert, { by, atMs, note }) {
      if (alert.state === 'resolved') return unchanged(alert);
      const entry: TimelineEntry =
        note === undefined
          ? { type: 'resolved', atMs, by, reason: 'manual' }
          : { type: 'resolved', atMs, by, reason: 'manual', note };
      const patch: Partial<Alert> = { state: 'resolved', resolvedAt: atMs, assignee: alert.assignee ?? by };
      return { alert: append(alert, entry, patch), changed: true, events: ['alertResolved'] };
    },

    note(alert, { text, atMs, by }) {
      const entry: TimelineEntry = { type: 'note', atMs, text, by: by ?? null };
      return { alert: append(alert, entry), changed: true, events: ['alertNoted'] };
    },

    record(alert, entry) {
      return { alert: append(alert, entry), changed: true, events: [entry.type === 'note' ? 'alertNoted' : 'alertRecorded'] };
    },
  };
}
