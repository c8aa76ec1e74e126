import type { EvalContext, Evaluation, Observation, SafetyEvaluator } from '../evaluator.js';
import { noted, raised, unchanged } from '../evaluator.js';

export interface SosState {
  lastRaisedAtMs: number | null;
}

/** The one-key call button: critical at once, and no cancel takes it back. */
export const sosEvaluator: SafetyEvaluator<SosState> = {
  kind: 'sos',
  initial: () => ({ lastRaisedAtMs: null }),
  tick: unchanged,
  observe(state: SosState, observation: Observation, ctx: EvalContext): Evaluation<SosState> {
    if (observation.type !== 'event') return unchanged(state);
    const event = observation.event;
    if (event.type === 'sos') {
      const outcome = raised('sos', 'critical', ctx, { lat: event.lat ?? null, lon: event.lon ?? null });
      return { state: { lastRaisedAtMs: ctx.nowMs }, outcomes: [outcome] };
    }
    const last = state.lastRaisedAtMs;
    if (event.type === 'cancel' && last !== null && ctx.nowMs - last <= ctx.rules.sos.lateCancelNoteS * 1000) {
      const text = 'The wearer pressed cancel after an SOS; an SOS is not cancellable, close it in person.';
      return { state, outcomes: [noted('sos', text, ctx, { raisedAtMs: last, cancelledAtMs: ctx.nowMs })] };
    }
    return unchanged(state);
  },
};
