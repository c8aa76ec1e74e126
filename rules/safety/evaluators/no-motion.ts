import type { Accumulator } from '../accumulator.js';
import { accumulate } from '../accumulator.js';
import type { EvalContext, Evaluation, Observation, SafetyEvaluator } from '../evaluator.js';
import { cleared, freshUntilMs, raised, wornAfter } from '../evaluator.js';
import type { RuleOutcome } from '../types.js';
import { wakingHours } from './waking-hours.js';

export interface NoMotionState {
  /** Stillness counted only while worn, inside waking hours, and while the device reports. */
  still: Accumulator;
  raised: boolean;
  lastMotionAtMs: number | null;
  /** Steps since local midnight at the last reading, to tell new steps from the day's total. */
  lastSteps: number | null;
}

function moved(state: NoMotionState, motion: number | undefined, steps: number | undefined, minMotion: number): boolean {
  if (motion !== undefined && motion >= minMotion) return true;
  if (steps === undefined) return false;
  // The counter restarts at local midnight: a smaller value is a new day's count.
  const baseline = state.lastSteps === null ? steps : steps >= state.lastSteps ? state.lastSteps : 0;
  return steps > baseline;
}

function evaluate(state: NoMotionState, observation: Observation | null, ctx: EvalContext): Evaluation<NoMotionState> {
  const rules = ctx.rules.noMotion;
  const still = accumulate(state.still, {
    nowMs: ctx.nowMs,
    holding: ctx.worn !== false,
    freshUntilMs: freshUntilMs(ctx, rules.maxGapS),
    window: wakingHours(ctx.rules),
    local: ctx.local,
  });
  // Explicit literals, not `{ ...state, key }`: a chained spread costs about a microsecond in V8
  // (Node 20), and this runs for every bracelet message.
  let next: NoMotionState = { still, raised: state.raised, lastMotionAtMs: state.lastMotionAtMs, lastSteps: state.lastSteps };
  const outcomes: RuleOutcome[] = [];
  const worn = observation === null ? ctx.worn : wornAfter(observation, ctx);

  if (observation?.type === 'reading') {
    const { motion, steps } = observation.values;
    // Movement of a bracelet off the wrist is someone carrying it, not the resident moving.
    if (worn !== false && moved(next, motion, steps, rules.minMotion)) {
      if (next.raised) {
        outcomes.push(cleared('no_motion', ctx, { stillForS: Math.round(next.still.totalMs / 1000) }));
      }
      next = { still: { totalMs: 0, countedUntilMs: ctx.nowMs }, raised: false, lastMotionAtMs: ctx.nowMs, lastSteps: next.lastSteps };
    }
    if (steps !== undefined) next = { still: next.still, raised: next.raised, lastMotionAtMs: next.lastMotionAtMs, lastSteps: steps };
  }

  if (!next.raised && worn !== false && next.still.totalMs >= rules.afterS * 1000) {
    outcomes.push(
      raised('no_motion', 'high', ctx, {
        stillForS: Math.round(next.still.totalMs / 1000),
        lastMotionAtMs: next.lastMotionAtMs,
        afterS: rules.afterS,
        wakingHours: rules.wakingHours,
      }),
    );
    next = { still: next.still, raised: true, lastMotionAtMs: next.lastMotionAtMs, lastSteps: next.lastSteps };
  }
  return { state: next, outcomes };
}

/**
 * Worn but still for `afterS` of waking time. Sleep hours pause the count rather than reset it, so
 * stillness late in the evening and early in the morning adds up; any movement resets it.
 */
export const noMotionEvaluator: SafetyEvaluator<NoMotionState> = {
  kind: 'no_motion',
  initial: (atMs) => ({ still: { totalMs: 0, countedUntilMs: atMs }, raised: false, lastMotionAtMs: null, lastSteps: null }),
  observe: evaluate,
  tick: (state, ctx) => evaluate(state, null, ctx),
};
