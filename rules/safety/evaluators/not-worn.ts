import type { Accumulator } from '../accumulator.js';
import { accumulate } from '../accumulator.js';
import type { EvalContext, Evaluation, Observation, SafetyEvaluator } from '../evaluator.js';
import { cleared, freshUntilMs, raised, wornAfter } from '../evaluator.js';
import type { RuleOutcome } from '../types.js';
import { wakingHours } from './waking-hours.js';

export interface NotWornState {
  /** Time off the wrist, counted inside waking hours while the device reports. */
  off: Accumulator;
  raised: boolean;
}

function evaluate(state: NotWornState, observation: Observation | null, ctx: EvalContext): Evaluation<NotWornState> {
  const rules = ctx.rules.notWorn;
  const off = accumulate(state.off, {
    nowMs: ctx.nowMs,
    holding: ctx.worn === false,
    freshUntilMs: freshUntilMs(ctx, rules.maxGapS),
    // Charging overnight is expected; only the waking day counts.
    window: wakingHours(ctx.rules),
    local: ctx.local,
  });
  // An explicit literal: a chained `{ ...state, key }` costs about a microsecond in V8 (Node 20).
  let next: NotWornState = { off, raised: state.raised };
  const outcomes: RuleOutcome[] = [];
  const worn = observation === null ? ctx.worn : wornAfter(observation, ctx);
  if (worn !== false) {
    if (next.raised) outcomes.push(cleared('not_worn', ctx, { offForS: Math.round(next.off.totalMs / 1000) }));
    return { state: { off: { totalMs: 0, countedUntilMs: ctx.nowMs }, raised: false }, outcomes };
  }
  if (!next.raised && next.off.totalMs >= rules.afterS * 1000) {
    outcomes.push(
      raised('not_worn', rules.severity, ctx, { offForS: Math.round(next.off.totalMs / 1000), afterS: rules.afterS }),
    );
    next = { off: next.off, raised: true };
  }
  return { state: next, outcomes };
}

/**
 * Off the wrist for `afterS` of waking time: every other rule is blind, so the worker should call.
 * Low by default (a reminder, not an emergency); `notWorn.severity` can make it medium.
 */
export const notWornEvaluator: SafetyEvaluator<NotWornState> = {
  kind: 'not_worn',
  initial: (atMs) => ({ off: { totalMs: 0, countedUntilMs: atMs }, raised: false }),
  observe: evaluate,
  tick: (state, ctx) => evaluate(state, null, ctx),
};
