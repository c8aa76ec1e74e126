import type { BraceletValues } from '../../device-messages.js';
import type { VitalsRules } from '../defaults.js';
import type { EvalContext, Evaluation, Observation, SafetyEvaluator } from '../evaluator.js';
import { cleared, raised, unchanged, wornAfter } from '../evaluator.js';
import type { RunSpec, RunState } from '../run-condition.js';
import { stepRun } from '../run-condition.js';
import type { DetailValue } from '../types.js';

export const VITALS_CONDITIONS = ['hr_low', 'hr_high', 'bp_high', 'spo2_low'] as const;
export type VitalsCondition = (typeof VITALS_CONDITIONS)[number];

export interface VitalsConditionState {
  active: boolean;
  /** While inactive: the run of out-of-range samples. */
  raiseRun: RunState | null;
  /** While active: the run of samples back inside the clear band. */
  clearRun: RunState | null;
}

export interface VitalsState {
  conditions: Record<VitalsCondition, VitalsConditionState>;
}

/** Where one sample stands: past the raise threshold, inside the clear band, or in between. */
type Band = 'raise' | 'clear' | 'between';

function classify(condition: VitalsCondition, v: BraceletValues, r: VitalsRules): Band | undefined {
  switch (condition) {
    case 'hr_low':
      if (v.hr === undefined) return undefined;
      return v.hr < r.hrMin ? 'raise' : v.hr >= r.hrMin + r.hrClearMarginBpm ? 'clear' : 'between';
    case 'hr_high':
      if (v.hr === undefined) return undefined;
      return v.hr > r.hrMax ? 'raise' : v.hr <= r.hrMax - r.hrClearMarginBpm ? 'clear' : 'between';
    case 'spo2_low':
      if (v.spo2 === undefined) return undefined;
      return v.spo2 < r.spo2Min ? 'raise' : v.spo2 >= r.spo2Min + r.spo2ClearMarginPct ? 'clear' : 'between';
    case 'bp_high': {
      if (v.sbp === undefined && v.dbp === undefined) return undefined;
      if ((v.sbp !== undefined && v.sbp >= r.sbpMax) || (v.dbp !== undefined && v.dbp >= r.dbpMax)) return 'raise';
      const sbpClear = v.sbp === undefined || v.sbp < r.sbpMax - r.bpClearMarginMmHg;
      const dbpClear = v.dbp === undefined || v.dbp < r.dbpMax - r.bpClearMarginMmHg;
      return sbpClear && dbpClear ? 'clear' : 'between';
    }
  }
}

interface ConditionSpecs {
  raise: RunSpec;
  clear: RunSpec;
}

/** Per rules object (resolved once per resident): built once, not on every reading. */
const specsByRules = new WeakMap<VitalsRules, Record<VitalsCondition, ConditionSpecs>>();

function specsFor(r: VitalsRules): Record<VitalsCondition, ConditionSpecs> {
  let specs = specsByRules.get(r);
  if (specs === undefined) {
    // Blood pressure is sampled now and then: confirm by repeated readings rather than by time.
    const bp = { forS: 0, repeats: r.bpRepeats, maxGapS: r.bpRepeatWithinS };
    const duration = { raise: { forS: r.forS, repeats: 1, maxGapS: r.maxGapS }, clear: { forS: r.clearForS, repeats: 1, maxGapS: r.maxGapS } };
    specs = { hr_low: duration, hr_high: duration, spo2_low: duration, bp_high: { raise: bp, clear: bp } };
    specsByRules.set(r, specs);
  }
  return specs;
}

function step(s: VitalsConditionState, band: Band, atMs: number, spec: ConditionSpecs): VitalsConditionState {
  if (!s.active) {
    // The usual reading: in range, nothing running. Same state, nothing allocated.
    if (band !== 'raise' && s.raiseRun === null) return s;
    const { run, verdict } = stepRun(s.raiseRun, band === 'raise', atMs, spec.raise);
    return verdict === 'true' ? { active: true, raiseRun: null, clearRun: null } : { active: false, raiseRun: run, clearRun: s.clearRun };
  }
  if (band !== 'clear' && s.clearRun === null) return s;
  const { run, verdict } = stepRun(s.clearRun, band === 'clear', atMs, spec.clear);
  return verdict === 'true' ? { active: false, raiseRun: null, clearRun: null } : { active: true, raiseRun: s.raiseRun, clearRun: run };
}

function readingDetails(v: BraceletValues): Record<string, DetailValue> {
  return { hr: v.hr ?? null, sbp: v.sbp ?? null, dbp: v.dbp ?? null, spo2: v.spo2 ?? null };
}

function withCondition(all: VitalsState['conditions'], condition: VitalsCondition, state: VitalsConditionState): VitalsState['conditions'] {
  // Written out: a computed-key spread is slow in V8 (Node 20), and this runs on readings.
  return {
    hr_low: condition === 'hr_low' ? state : all.hr_low,
    hr_high: condition === 'hr_high' ? state : all.hr_high,
    bp_high: condition === 'bp_high' ? state : all.bp_high,
    spo2_low: condition === 'spo2_low' ? state : all.spo2_low,
  };
}

const IDLE: VitalsConditionState = { active: false, raiseRun: null, clearRun: null };

/**
 * Heart rate and SpO2 are duration conditions (out of range for `forS`), blood pressure a repeating
 * one (`bpRepeats` readings). Each clears only after holding inside a narrower band, so a single
 * spike neither raises nor, once raised, clears and re-raises. One `vitals` alert covers all four.
 */
export const vitalsEvaluator: SafetyEvaluator<VitalsState> = {
  kind: 'vitals',
  initial: () => ({ conditions: { hr_low: IDLE, hr_high: IDLE, bp_high: IDLE, spo2_low: IDLE } }),
  tick: unchanged,
  observe(state: VitalsState, observation: Observation, ctx: EvalContext): Evaluation<VitalsState> {
    if (observation.type !== 'reading') return unchanged(state);
    // Values from a bracelet off the wrist (on its charger, on a table) are not the resident's.
    if (wornAfter(observation, ctx) === false) return unchanged(state);
    const r = ctx.rules.vitals;
    const values = observation.values;
    const specs = specsFor(r);
    let conditions = state.conditions;
    for (const condition of VITALS_CONDITIONS) {
      const band = classify(condition, values, r);
      if (band === undefined) continue;
      const before = conditions[condition];
      const after = step(before, band, ctx.nowMs, specs[condition]);
      if (after !== before) conditions = withCondition(conditions, condition, after);
    }
    if (conditions === state.conditions) return unchanged(state);
    const wasActive = VITALS_CONDITIONS.filter((c) => state.conditions[c].active);
    const active = VITALS_CONDITIONS.filter((c) => conditions[c].active);
    const started = active.filter((c) => !wasActive.includes(c));
    const next = { conditions };
    if (started.length > 0) {
      const thresholds = { hrMin: r.hrMin, hrMax: r.hrMax, sbpMax: r.sbpMax, dbpMax: r.dbpMax, spo2Min: r.spo2Min };
      return {
        state: next,
        outcomes: [raised('vitals', 'high', ctx, { conditions: active, started, ...readingDetails(values), ...thresholds })],
      };
    }
    if (wasActive.length > 0 && active.length === 0) {
      return { state: next, outcomes: [cleared('vitals', ctx, { conditions: wasActive, ...readingDetails(values) })] };
    }
    return { state: next, outcomes: [] };
  },
};
