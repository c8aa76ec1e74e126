import type { TimelineEntry } from './alert.js';
import type { Severity } from './severity.js';

/**
 * When an open alert nobody has acked pages its people again (CONTRACT.md §6 "Re-page"): at once
 * on a new critical occurrence, and every `repeatLastStepS` once the escalation chain has run out.
 */
export interface RepagePolicy {
  newCriticalOccurrence: boolean;
  /** Null: the last step is never repeated. */
  repeatLastStepS: number | null;
}

export const DEFAULT_REPAGE_POLICY: RepagePolicy = { newCriticalOccurrence: true, repeatLastStepS: 600 };
/** A policy that never pages again (index notices, cabinet faults: informing, not an emergency). */
export const NO_REPAGE: RepagePolicy = { newCriticalOccurrence: false, repeatLastStepS: null };
/** Low and medium alerts stop where their chain stops: a quiet phone otherwise (DESIGN.md). */
export const REPEATED_SEVERITIES: ReadonlySet<Severity> = new Set<Severity>(['critical', 'high']);

export type RepageCause = 'new_occurrence' | 'last_step_repeated';

export interface RepageInput {
  timeline: readonly TimelineEntry[];
  severity: Severity;
  nowMs: number;
  /** The escalation can go no further (the last step of the policy, or of what the severity allows). */
  chainEnded: boolean;
  policy: RepagePolicy;
}

export interface RepageDecision {
  due: { step: number; cause: RepageCause } | null;
  /** When to look again if nothing else happens (assuming `due` is applied now); null: never. */
  nextAtMs: number | null;
}

/** How often an exhausted chain repeats for this severity; null: never. */
export function repeatIntervalMs(policy: RepagePolicy, severity: Severity): number | null {
  if (policy.repeatLastStepS === null || policy.repeatLastStepS <= 0 || !REPEATED_SEVERITIES.has(severity)) return null;
  return policy.repeatLastStepS * 1000;
}

/** A step taken or a re-page: what "the latest page" of an open alert is. */
function isPageEntry(entry: TimelineEntry): boolean {
  return (entry.type === 'escalated' && entry.reason === 'step') || entry.type === 'repaged';
}

function lastIndexOf(timeline: readonly TimelineEntry[], test: (entry: TimelineEntry) => boolean): number {
  for (let i = timeline.length - 1; i >= 0; i -= 1) if (test(timeline[i]!)) return i;
  return -1;
}

/**
 * Decides from the timeline alone, so a restart resumes exactly: a re-page recorded is never
 * repeated, one not recorded is still due. Order on the timeline, not device time, says whether an
 * occurrence came after the latest page (a bracelet's clock may lag). Call it only for an open alert
 * with at least one step taken.
 */
export function planRepage(input: RepageInput): RepageDecision {
  const { timeline, policy, nowMs } = input;
  const lastPage = lastIndexOf(timeline, isPageEntry);
  const lastStep = lastIndexOf(timeline, (e) => e.type === 'escalated' && e.reason === 'step');
  if (lastPage < 0 || lastStep < 0) return { due: null, nextAtMs: null };
  const stepEntry = timeline[lastStep] as Extract<TimelineEntry, { type: 'escalated' }>;
  const repeatMs = input.chainEnded ? repeatIntervalMs(policy, input.severity) : null;
  const repeats = repeatMs !== null;

  if (policy.newCriticalOccurrence) {
    const lastCritical = lastIndexOf(timeline, (e) => e.type === 'raised' && e.occurrence > 1 && e.severity === 'critical');
    if (lastCritical > lastPage) {
      return { due: { step: stepEntry.step, cause: 'new_occurrence' }, nextAtMs: repeats ? nowMs + repeatMs : null };
    }
  }
  if (!repeats) return { due: null, nextAtMs: null };
  const dueAtMs = timeline[lastPage]!.atMs + repeatMs;
  if (nowMs < dueAtMs) return { due: null, nextAtMs: dueAtMs };
  // An empty last role (no emergency group yet) must not end the repeats: repeat the last step that reached someone.
  const reached = lastIndexOf(timeline, (e) => e.type === 'escalated' && e.reason === 'step' && e.recipients.length > 0);
  const step = reached < 0 ? stepEntry.step : (timeline[reached] as Extract<TimelineEntry, { type: 'escalated' }>).step;
  return { due: { step, cause: 'last_step_repeated' }, nextAtMs: nowMs + repeatMs };
}
