import type { EvalContext, Evaluation, Observation, SafetyEvaluator } from '../evaluator.js';
import { cleared, raised, unchanged } from '../evaluator.js';

export interface DeviceOfflineState {
  raised: boolean;
}

/** Whether a message shows the device itself is alive. A Last Will is the broker speaking. */
export function isSignOfLife(observation: Observation): boolean {
  return !(observation.type === 'status' && !observation.online);
}

/**
 * Data silence, not connection state: a device that keeps its TCP session but sends nothing is
 * offline, and a Last Will alone does not raise before the silence is long enough.
 */
export const deviceOfflineEvaluator: SafetyEvaluator<DeviceOfflineState> = {
  kind: 'device_offline',
  initial: () => ({ raised: false }),
  observe(state: DeviceOfflineState, observation: Observation, ctx: EvalContext): Evaluation<DeviceOfflineState> {
    if (!state.raised || !isSignOfLife(observation)) return unchanged(state);
    const silentForS = Math.round((ctx.nowMs - ctx.silenceSinceMs) / 1000);
    return { state: { raised: false }, outcomes: [cleared('device_offline', ctx, { silentForS })] };
  },
  tick(state: DeviceOfflineState, ctx: EvalContext): Evaluation<DeviceOfflineState> {
    const afterS = ctx.rules.deviceOffline.afterS;
    if (state.raised || ctx.nowMs - ctx.silenceSinceMs < afterS * 1000) return unchanged(state);
    const details = {
      lastMessageAtMs: ctx.lastMessageAtMs,
      silentForS: Math.round((ctx.nowMs - ctx.silenceSinceMs) / 1000),
      afterS,
    };
    return { state: { raised: true }, outcomes: [raised('device_offline', 'medium', ctx, details)] };
  },
};
