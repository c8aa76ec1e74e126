import type { EvalContext, Evaluation, Observation, SafetyEvaluator } from '../evaluator.js';
import { falseAlarm, noted, pending, raised } from '../evaluator.js';
import type { RuleOutcome } from '../types.js';

export interface PendingFall {
  fallAtMs: number;
  untilMs: number;
  confidence: number;
  lat: number | null;
  lon: number | null;
}

export interface FallState {
  pending: PendingFall | null;
  lastRaisedAtMs: number | null;
}

function fireIfDue(state: FallState, ctx: EvalContext): Evaluation<FallState> {
  const p = state.pending;
  if (p === null || ctx.nowMs < p.untilMs) return { state, outcomes: [] };
  const outcome = raised('fall', 'critical', ctx, {
    fallAtMs: p.fallAtMs,
    confidence: p.confidence,
    lat: p.lat,
    lon: p.lon,
    cancelWindowS: (p.untilMs - p.fallAtMs) / 1000,
  });
  return { state: { pending: null, lastRaisedAtMs: ctx.nowMs }, outcomes: [outcome] };
}

/**
 * A fall is held for a cancel window so the wearer can say "I'm OK"; a cancel inside it is a false
 * alarm, and when the window ends the fall is a critical alert. A window that ended while the
 * gateway was down fires on the first evaluation after restart.
 */
export const fallEvaluator: SafetyEvaluator<FallState> = {
  kind: 'fall',
  initial: () => ({ pending: null, lastRaisedAtMs: null }),
  tick: fireIfDue,
  observe(state: FallState, observation: Observation, ctx: EvalContext): Evaluation<FallState> {
    // A message after the window's end: the fall is raised first, then the message is judged.
    const due = fireIfDue(state, ctx);
    let next = due.state;
    const outcomes: RuleOutcome[] = [...due.outcomes];
    if (observation.type !== 'event') return { state: next, outcomes };
    const event = observation.event;
    const rules = ctx.rules.fall;

    if (event.type === 'fall') {
      if (event.confidence < rules.minConfidence) return { state: next, outcomes };
      if (next.pending !== null) {
        // A second fall inside the window does not extend it: help must not wait longer.
        const confidence = Math.max(next.pending.confidence, event.confidence);
        return { state: { ...next, pending: { ...next.pending, confidence } }, outcomes };
      }
      const untilMs = ctx.nowMs + Math.max(0, rules.cancelWindowS) * 1000;
      const p: PendingFall = {
        fallAtMs: ctx.nowMs,
        untilMs,
        confidence: event.confidence,
        lat: event.lat ?? null,
        lon: event.lon ?? null,
      };
      next = { ...next, pending: p };
      if (untilMs <= ctx.nowMs) {
        const now = fireIfDue(next, ctx);
        return { state: now.state, outcomes: [...outcomes, ...now.outcomes] };
      }
      outcomes.push(pending('fall', 'critical', untilMs, ctx, { confidence: p.confidence, lat: p.lat, lon: p.lon }));
      return { state: next, outcomes };
    }

    if (event.type === 'cancel') {
      if (next.pending !== null) {
        const p = next.pending;
        outcomes.push(falseAlarm('fall', ctx, { fallAtMs: p.fallAtMs, cancelledAtMs: ctx.nowMs, confidence: p.confidence }));
        return { state: { ...next, pending: null }, outcomes };
      }
      const last = next.lastRaisedAtMs;
      if (last !== null && ctx.nowMs - last <= rules.lateCancelNoteS * 1000) {
        outcomes.push(
          noted('fall', 'The wearer pressed cancel after the fall alert was raised; close it in person.', ctx, {
            raisedAtMs: last,
            cancelledAtMs: ctx.nowMs,
          }),
        );
      }
    }
    return { state: next, outcomes };
  },
};
