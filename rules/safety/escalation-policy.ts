import type { Alert, EscalatedEntry, TimelineEntry } from './alert.js';
import type { DailyWindow } from './daily-window.js';
import { parseDailyWindow } from './daily-window.js';
import type { LocalTime } from './local-time.js';
import { DEFAULT_TIME_ZONE, createLocalTime } from './local-time.js';
import { DEFAULT_REPAGE_POLICY, planRepage, repeatIntervalMs, type RepageCause, type RepagePolicy } from './repage-policy.js';
import type { Severity } from './severity.js';

/** `doctor`: the resident's family doctor (vitals, within the resident's sharing choices). */
export const NOTIFY_ROLES = ['onDuty', 'backup', 'family', 'emergencyGroup', 'doctor'] as const;
export type NotifyRole = (typeof NOTIFY_ROLES)[number];
/** A role from the grid's policy, or whoever acknowledged the alert (for re-pages). */
export type NotifyTarget = NotifyRole | 'assignee';

export interface EscalationStep {
  notify: readonly NotifyRole[];
  /** Wait this long for an ack before the next step; absent on the last step. */
  waitS?: number;
}
export type EscalationSteps = readonly EscalationStep[];

/** DESIGN.md: on-duty worker, after 3 min unacked backup and family, after 5 more the emergency group. */
export const DEFAULT_ESCALATION_STEPS: EscalationSteps = [
  { notify: ['onDuty'], waitS: 180 },
  { notify: ['backup', 'family'], waitS: 300 },
  { notify: ['emergencyGroup'] },
];

/** Who fills each role for this alert: the grid's roster and the resident's family contacts. */
export type Roster = { readonly [R in NotifyRole]?: readonly string[] };

export interface EscalationPlannerDeps {
  timeZone?: string;
  /** An acked critical alert still unresolved after this is paged again, and again. */
  repageAckedCriticalAfterS?: number;
  /** Low-severity alerts raised in these local hours go to the morning digest instead of a page. */
  quietHours?: string;
  /** The last step index each severity may reach; unset means the whole policy. */
  lastStepBySeverity?: Partial<Record<Severity, number>>;
}

export type EscalationAction =
  | {
      type: 'page';
      step: number;
      reason: 'step' | 'repage';
      /** Set on a re-page of an open alert nobody acked (recorded as `repaged`). */
      cause?: RepageCause;
      notify: readonly NotifyTarget[];
      recipients: readonly string[];
    }
  | { type: 'digest'; sendAtMs: number; recipients: readonly string[] };

export interface EscalationPlan {
  /** Due now. Record each on the timeline (`apply`) before paging, so a restart never repeats it. */
  due: EscalationAction[];
  /** When to plan again if nothing else happens (assuming `due` is applied now); null: nothing scheduled. */
  nextAtMs: number | null;
}

export interface PlanInput {
  alert: Alert;
  nowMs: number;
  roster: Roster;
  steps?: EscalationSteps;
  /** The grid's re-page policy; DEFAULT_REPAGE_POLICY when absent. */
  repage?: RepagePolicy;
}

export interface EscalationPlanner {
  plan(input: PlanInput): EscalationPlan;
  /** The alert with the action on its timeline (`escalated` or `digested`), stamped atMs. */
  apply(alert: Alert, action: EscalationAction, atMs: number): Alert;
}

export const DEFAULT_QUIET_HOURS = '22:00-07:00';
export const DEFAULT_REPAGE_ACKED_CRITICAL_AFTER_S = 30 * 60;
/** Low alerts reach the on-duty worker only; medium ones stop at backup and family. */
export const DEFAULT_LAST_STEP_BY_SEVERITY: Partial<Record<Severity, number>> = { low: 0, medium: 1 };

function recipientsOf(targets: readonly NotifyTarget[], roster: Roster, assignee: string | null): string[] {
  const out: string[] = [];
  for (const target of targets) {
    const ids = target === 'assignee' ? (assignee === null ? (roster.onDuty ?? []) : [assignee]) : (roster[target] ?? []);
    for (const id of ids) if (!out.includes(id)) out.push(id);
  }
  return out;
}

function isEscalated(entry: TimelineEntry): entry is EscalatedEntry {
  return entry.type === 'escalated';
}

/**
 * Works out from the alert's own timeline which escalation step is due and when the next one is.
 * The timeline is persisted with the alert, so a restart resumes exactly where it stopped: a step
 * recorded is never repeated, a step not recorded is still due. Steps are taken one at a time, and
 * each wait runs from when its step actually went out.
 */
export function createEscalationPlanner(deps: EscalationPlannerDeps = {}): EscalationPlanner {
  const local: LocalTime = createLocalTime(deps.timeZone ?? DEFAULT_TIME_ZONE);
  const quietText = deps.quietHours ?? DEFAULT_QUIET_HOURS;
  const parsedQuiet: DailyWindow | undefined = parseDailyWindow(quietText);
  // A malformed policy is a configuration bug: refuse it at start rather than page at 3 a.m.
  if (parsedQuiet === undefined) throw new Error(`quietHours must look like "22:00-07:00", got "${quietText}"`);
  const quiet: DailyWindow = parsedQuiet;
  const repageMs = (deps.repageAckedCriticalAfterS ?? DEFAULT_REPAGE_ACKED_CRITICAL_AFTER_S) * 1000;
  const lastStepBySeverity = deps.lastStepBySeverity ?? DEFAULT_LAST_STEP_BY_SEVERITY;

  function planOpen(alert: Alert, nowMs: number, roster: Roster, steps: EscalationSteps, repage: RepagePolicy): EscalationPlan {
    const lastAllowed = Math.min(steps.length - 1, lastStepBySeverity[alert.severity] ?? Number.POSITIVE_INFINITY);
    const taken = alert.timeline.filter(isEscalated).filter((e) => e.reason === 'step');
    const last = taken.reduce<EscalatedEntry | undefined>((a, e) => (a === undefined || e.step >= a.step ? e : a), undefined);

    /** When the step after `index` (taken at atMs, reaching these recipients) falls due; null if never. */
    const dueAfter = (index: number, atMs: number, reached: readonly string[]): number | null => {
      const waitS = steps[index]?.waitS;
      if (index + 1 > lastAllowed || waitS === undefined) return null;
      // A step that reached nobody (an empty roster role) is not worth waiting on.
      return reached.length === 0 ? atMs : atMs + waitS * 1000;
    };
    const pageStep = (index: number): EscalationPlan => {
      const notify = steps[index]?.notify ?? [];
      const recipients = recipientsOf(notify, roster, alert.assignee);
      const next = dueAfter(index, nowMs, recipients);
      const repeatMs = next === null ? repeatIntervalMs(repage, alert.severity) : null;
      return {
        due: [{ type: 'page', step: index, reason: 'step', notify, recipients }],
        nextAtMs: next ?? (repeatMs === null ? null : nowMs + repeatMs),
      };
    };

    if (last === undefined) {
      if (lastAllowed < 0) return { due: [], nextAtMs: null };
      if (alert.severity === 'low') {
        if (alert.timeline.some((e) => e.type === 'digested')) return { due: [], nextAtMs: null };
        if (local.isWithin(nowMs, quiet)) {
          const sendAtMs = local.nextTimeOfDayMs(nowMs, quiet.endMin);
          const recipients = recipientsOf(steps[0]?.notify ?? [], roster, alert.assignee);
          return { due: [{ type: 'digest', sendAtMs, recipients }], nextAtMs: null };
        }
      }
      return pageStep(0);
    }
    const dueAtMs = dueAfter(last.step, last.atMs, last.recipients);
    if (dueAtMs !== null && nowMs >= dueAtMs) return pageStep(last.step + 1);
    const again = planRepage({ timeline: alert.timeline, severity: alert.severity, nowMs, chainEnded: dueAtMs === null, policy: repage });
    const nextAtMs = dueAtMs === null ? again.nextAtMs : again.nextAtMs === null ? dueAtMs : Math.min(dueAtMs, again.nextAtMs);
    if (again.due === null) return { due: [], nextAtMs };
    const notify = steps[again.due.step]?.notify ?? [];
    const recipients = recipientsOf(notify, roster, alert.assignee);
    return { due: [{ type: 'page', step: again.due.step, reason: 'repage', cause: again.due.cause, notify, recipients }], nextAtMs };
  }

  function planAcked(alert: Alert, nowMs: number, roster: Roster): EscalationPlan {
    if (alert.severity !== 'critical' || alert.ackedAt === null) return { due: [], nextAtMs: null };
    const repages = alert.timeline.filter(isEscalated).filter((e) => e.reason === 'repage' && e.atMs >= (alert.ackedAt ?? 0));
    const sinceMs = repages.reduce((a, e) => Math.max(a, e.atMs), alert.ackedAt);
    const dueAtMs = sinceMs + repageMs;
    if (nowMs < dueAtMs) return { due: [], nextAtMs: dueAtMs };
    const step = alert.timeline.filter(isEscalated).reduce((a, e) => Math.max(a, e.step), 0);
    const notify: NotifyTarget[] = ['assignee'];
    const recipients = recipientsOf(notify, roster, alert.assignee);
    return { due: [{ type: 'page', step, reason: 'repage', notify, recipients }], nextAtMs: nowMs + repageMs };
  }

  return {
    plan({ alert, nowMs, roster, steps = DEFAULT_ESCALATION_STEPS, repage = DEFAULT_REPAGE_POLICY }) {
      if (alert.state === 'open') return planOpen(alert, nowMs, roster, steps, repage);
      if (alert.state === 'acked') return planAcked(alert, nowMs, roster);
      return { due: [], nextAtMs: null };
    },
    apply(alert, action, atMs) {
      const entry: TimelineEntry =
        action.type === 'page' && action.cause !== undefined
          ? { type: 'repaged', atMs, step: action.step, cause: action.cause, notify: action.notify, recipients: action.recipients }
          : action.type === 'page'
          ? {
              type: 'escalated',
              atMs,
              step: action.step,
              reason: action.reason,
              notify: action.notify,
              recipients: action.recipients,
            }
          : { type: 'digested', atMs, sendAtMs: action.sendAtMs, recipients: action.recipients };
      return { ...alert, timeline: [...alert.timeline, entry] };
    },
  };
}
