import type { Accumulator } from '../accumulator.js';
import { accumulate } from '../accumulator.js';
import type { EvalContext, Evaluation, Observation, SafetyEvaluator } from '../evaluator.js';
import { cleared, freshUntilMs, raised, wornAfter } from '../evaluator.js';
import { distanceFromCentreM } from '../geo.js';
import { wakingHours } from './waking-hours.js';
import type { RuleOutcome } from '../types.js';

export interface StayedInState {
  /** Time at home, counted while worn and while the device reports. */
  inside: Accumulator;
  raised: boolean;
  lastOutAtMs: number | null;
}

function evaluate(state: StayedInState, observation: Observation | null, ctx: EvalContext): Evaluation<StayedInState> {
  const rules = ctx.rules.stayedIn;
  const home = ctx.resident.home;
  const inside = accumulate(state.inside, {
    nowMs: ctx.nowMs,
    holding: home !== undefined && ctx.worn !== false,
    freshUntilMs: freshUntilMs(ctx, rules.maxGapS),
    // A night at home is not staying in: only waking hours count, or everyone home by 19:00 would page nightly.
    window: wakingHours(ctx.rules),
    local: ctx.local,
  });
  // An explicit literal: a chained `{ ...state, key }` costs about a microsecond in V8 (Node 20).
  let next: StayedInState = { inside, raised: state.raised, lastOutAtMs: state.lastOutAtMs };
  const outcomes: RuleOutcome[] = [];
  if (home === undefined) {
    if (next.raised) outcomes.push(cleared('stayed_in', ctx, { reason: 'no_home_geofence' }));
    return { state: { inside: next.inside, raised: false, lastOutAtMs: next.lastOutAtMs }, outcomes };
  }
  const worn = observation === null ? ctx.worn : wornAfter(observation, ctx);

  if (observation?.type === 'reading' && worn !== false) {
    const { lat, lon, acc } = observation.values;
    if (lat !== undefined && lon !== undefined) {
      const distance = distanceFromCentreM(home, lat, lon);
      // Only a fix that is outside even at the edge of its accuracy ends the stay: an indoor fix
      // that drifts a little past the fence is not an outing.
      if (distance - (acc ?? 0) > home.radiusM) {
        if (next.raised) outcomes.push(cleared('stayed_in', ctx, { distanceM: Math.round(distance) }));
        next = { inside: { totalMs: 0, countedUntilMs: ctx.nowMs }, raised: false, lastOutAtMs: ctx.nowMs };
      }
    }
  }

  if (!next.raised && worn !== false && next.inside.totalMs >= rules.afterS * 1000) {
    outcomes.push(
      raised('stayed_in', 'medium', ctx, {
        insideForS: Math.round(next.inside.totalMs / 1000),
        lastOutAtMs: next.lastOutAtMs,
        afterS: rules.afterS,
      }),
    );
    next = { inside: next.inside, raised: true, lastOutAtMs: next.lastOutAtMs };
  }
  return { state: next, outcomes };
}

/** At home for `afterS` of waking time without going out: a worker should visit. */
export const stayedInEvaluator: SafetyEvaluator<StayedInState> = {
  kind: 'stayed_in',
  initial: (atMs) => ({ inside: { totalMs: 0, countedUntilMs: atMs }, raised: false, lastOutAtMs: null }),
  observe: evaluate,
  tick: (state, ctx) => evaluate(state, null, ctx),
};
