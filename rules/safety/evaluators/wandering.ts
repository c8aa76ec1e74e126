import type { EvalContext, Evaluation, Observation, SafetyEvaluator } from '../evaluator.js';
import { cleared, raised, unchanged, wornAfter } from '../evaluator.js';
import { distanceFromCentreM } from '../geo.js';
import type { SafetyResident } from '../types.js';

/** The condition in a resident's record that turns the wandering rule on. */
export const WANDERING_CONDITION = 'dementia';

export interface WanderingState {
  raised: boolean;
}

function applies(resident: SafetyResident): boolean {
  return resident.safeZone !== undefined && (resident.conditions ?? []).includes(WANDERING_CONDITION);
}

function evaluate(state: WanderingState, observation: Observation | null, ctx: EvalContext): Evaluation<WanderingState> {
  const zone = ctx.resident.safeZone;
  if (zone === undefined || !applies(ctx.resident)) {
    if (!state.raised) return unchanged(state);
    return { state: { raised: false }, outcomes: [cleared('wandering', ctx, { reason: 'rule_no_longer_applies' })] };
  }
  if (observation?.type !== 'reading' || wornAfter(observation, ctx) === false) return unchanged(state);
  const { lat, lon, acc } = observation.values;
  if (lat === undefined || lon === undefined) return unchanged(state);
  const rules = ctx.rules.wandering;
  if (acc !== undefined && acc > rules.maxAccM) return unchanged(state);
  const distance = distanceFromCentreM(zone, lat, lon);
  const details = { distanceM: Math.round(distance), radiusM: zone.radiusM, lat, lon, acc: acc ?? null };
  // Raise on the first fix past the edge: for a person with dementia, minutes matter more than a
  // rare false page. Clear only well inside, so a walk along the edge does not flap.
  if (!state.raised && distance > zone.radiusM) {
    return { state: { raised: true }, outcomes: [raised('wandering', 'high', ctx, details)] };
  }
  if (state.raised && distance <= zone.radiusM - rules.returnMarginM) {
    return { state: { raised: false }, outcomes: [cleared('wandering', ctx, details)] };
  }
  return unchanged(state);
}

/** Residents with dementia: out of their safe zone is high; back inside clears it. */
export const wanderingEvaluator: SafetyEvaluator<WanderingState> = {
  kind: 'wandering',
  initial: () => ({ raised: false }),
  observe: evaluate,
  tick: (state, ctx) => evaluate(state, null, ctx),
};
