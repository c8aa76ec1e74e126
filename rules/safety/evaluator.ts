import type { BraceletEvent, BraceletValues } from '../device-messages.js';
import type { SafetyRules } from './defaults.js';
import type { LocalTime } from './local-time.js';
import type { Severity } from './severity.js';
import type { OutcomeDetails, RuleOutcome, SafetyKind, SafetyResident } from './types.js';

/** One message from a resident's bracelet, as the evaluators see it. */
export type Observation =
  | { type: 'reading'; values: BraceletValues }
  | { type: 'event'; event: BraceletEvent }
  | { type: 'status'; online: boolean; bat: number | null };

export interface EvalContext {
  /** The evaluation instant (gateway clock). */
  nowMs: number;
  rules: SafetyRules;
  resident: SafetyResident;
  local: LocalTime;
  deviceId: string | null;
  /** The last message from the device before this observation; null when none yet. */
  lastMessageAtMs: number | null;
  /**
   * Where data silence is counted from: the last message, or when the resident was tracked, moved
   * forward by any gateway downtime (silence while the gateway was down is not the device's).
   */
  silenceSinceMs: number;
  /** Whether the bracelet was on the wrist before this observation; null when it never said. */
  worn: boolean | null;
}

export interface Evaluation<S> {
  state: S;
  outcomes: RuleOutcome[];
}

/** A rule: plain-data state in, plain-data state and outcomes out; no clock, no I/O. */
export interface SafetyEvaluator<S> {
  readonly kind: SafetyKind;
  initial(atMs: number): S;
  observe(state: S, observation: Observation, ctx: EvalContext): Evaluation<S>;
  /** Timers: windows and durations that end without a message. */
  tick(state: S, ctx: EvalContext): Evaluation<S>;
}

export function unchanged<S>(state: S): Evaluation<S> {
  return { state, outcomes: [] };
}

/** The worn state after this observation: the reading's own flag wins over the last known one. */
export function wornAfter(observation: Observation, ctx: EvalContext): boolean | null {
  if (observation.type === 'reading' && observation.values.worn !== undefined) return observation.values.worn;
  return ctx.worn;
}

function base(kind: SafetyKind, ctx: EvalContext) {
  return { kind, subject: ctx.resident.id, grid: ctx.resident.grid, occurredAtMs: ctx.nowMs };
}

function withDevice(details: OutcomeDetails, ctx: EvalContext): OutcomeDetails {
  return { deviceId: ctx.deviceId, ...details };
}

export function raised(kind: SafetyKind, severity: Severity, ctx: EvalContext, details: OutcomeDetails): RuleOutcome {
  return { type: 'raise', ...base(kind, ctx), severity, details: withDevice(details, ctx) };
}

export function cleared(kind: SafetyKind, ctx: EvalContext, details: OutcomeDetails): RuleOutcome {
  return { type: 'clear', ...base(kind, ctx), details: withDevice(details, ctx) };
}

export function pending(
  kind: SafetyKind,
  severity: Severity,
  untilMs: number,
  ctx: EvalContext,
  details: OutcomeDetails,
): RuleOutcome {
  return { type: 'pending', ...base(kind, ctx), severity, untilMs, details: withDevice(details, ctx) };
}

export function falseAlarm(kind: SafetyKind, ctx: EvalContext, details: OutcomeDetails): RuleOutcome {
  return { type: 'falseAlarm', ...base(kind, ctx), details: withDevice(details, ctx) };
}

export function noted(kind: SafetyKind, text: string, ctx: EvalContext, details: OutcomeDetails): RuleOutcome {
  return { type: 'note', ...base(kind, ctx), text, details: withDevice(details, ctx) };
}

/** Time after this is unknown (no message for maxGapS) and is not counted by duration rules. */
export function freshUntilMs(ctx: EvalContext, maxGapS: number): number {
  return ctx.lastMessageAtMs === null ? Number.NEGATIVE_INFINITY : ctx.silenceSinceMs + maxGapS * 1000;
}
