import type { EvalContext, Evaluation, Observation, SafetyEvaluator } from '../evaluator.js';
import { cleared, raised, unchanged } from '../evaluator.js';

export interface BatteryLowState {
  raised: boolean;
}

function batteryOf(observation: Observation): number | undefined {
  if (observation.type === 'reading') return observation.values.bat;
  if (observation.type === 'status') return observation.bat ?? undefined;
  return undefined;
}

/** Below `belowPct` raises; only `clearAtPct` or more clears, so a battery near the line is quiet. */
export const batteryLowEvaluator: SafetyEvaluator<BatteryLowState> = {
  kind: 'battery_low',
  initial: () => ({ raised: false }),
  tick: unchanged,
  observe(state: BatteryLowState, observation: Observation, ctx: EvalContext): Evaluation<BatteryLowState> {
    const bat = batteryOf(observation);
    if (bat === undefined) return unchanged(state);
    const rules = ctx.rules.batteryLow;
    if (!state.raised && bat < rules.belowPct) {
      return { state: { raised: true }, outcomes: [raised('battery_low', 'low', ctx, { bat, belowPct: rules.belowPct })] };
    }
    if (state.raised && bat >= rules.clearAtPct) {
      return { state: { raised: false }, outcomes: [cleared('battery_low', ctx, { bat })] };
    }
    return unchanged(state);
  },
};
