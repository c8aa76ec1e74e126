import type { DailyWindow } from './daily-window.js';
import type { LocalTime } from './local-time.js';

/** Time a condition has held, summed over the intervals it was observed to hold. */
export interface Accumulator {
  totalMs: number;
  /** Everything before this instant has been counted (or deliberately not). */
  countedUntilMs: number;
}

export interface AccumulateInput {
  nowMs: number;
  /** Whether the condition held since countedUntilMs (the state known before this observation). */
  holding: boolean;
  /** Data older than this is stale: the time after it is unknown, and not counted. */
  freshUntilMs: number;
  /** Only count time inside this local window (waking hours), when given. */
  window?: DailyWindow;
  local: LocalTime;
}

export function accumulate(acc: Accumulator, input: AccumulateInput): Accumulator {
  const { nowMs } = input;
  if (nowMs <= acc.countedUntilMs) return acc;
  let added = 0;
  if (input.holding) {
    const end = Math.min(nowMs, input.freshUntilMs);
    if (end > acc.countedUntilMs) {
      added =
        input.window === undefined ? end - acc.countedUntilMs : input.local.overlapMs(acc.countedUntilMs, end, input.window);
    }
  }
  return { totalMs: acc.totalMs + added, countedUntilMs: nowMs };
}
