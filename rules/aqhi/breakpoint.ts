import { categoryForBand } from './category-for-band.js';
import { ceilGuarded, roundHalfEven, roundHalfUp, truncateTo } from './rounding.js';
import { convertFromInput } from './units.js';
import { readWindow } from './window-means.js';
import type {
  AboveTop,
  BreakpointProfile,
  BreakpointTerm,
  Contribution,
  IndexResult,
  MissingPollutant,
  Pollutant,
  Segment,
  WindowMeanSource,
} from './types.js';

export type SubIndexOutcome =
  /** `concentration` is what the formula used (after truncation or rounding). */
  | { kind: 'value'; value: number; unrounded: number; concentration: number }
  | { kind: 'not-applicable'; concentration: number }
  /** Above the table and the term defers to another one. */
  | { kind: 'defer'; concentration: number; to: string; floor?: number };

/** Eq. (1) of HJ 633 / Eq. 1 of the TAD: linear interpolation within one segment. */
export function interpolate(s: Segment, c: number): number {
  return ((s.iHi - s.iLo) / (s.cHi - s.cLo)) * (c - s.cLo) + s.iLo;
}

/** Truncation (US) or GB/T 8170 rounding (HJ 633-2026) of the concentration, per the term. */
export function prepareConcentration(term: BreakpointTerm, c: number): number {
  let out = c;
  if (term.truncateDecimals !== undefined) out = truncateTo(out, term.truncateDecimals);
  if (term.roundDecimals !== undefined) out = roundHalfEven(out, term.roundDecimals);
  return out;
}

function roundIndex(profile: BreakpointProfile, x: number): number {
  const r = profile.indexRounding === 'ceil' ? ceilGuarded(x) : roundHalfUp(x);
  return profile.maxIndex === undefined ? r : Math.min(profile.maxIndex, r);
}

/**
 * The sub-index of one term for a concentration in the term's own unit (ppm, ppb, µg/m³, mg/m³).
 * Segments are searched in order: the first whose upper breakpoint is ≥ C. With truncated
 * input the gaps between printed breakpoints (9.0 | 9.1) cannot be hit.
 */
export function termSubIndex(profile: BreakpointProfile, term: BreakpointTerm, concentrationInTermUnit: number): SubIndexOutcome {
  const c = prepareConcentration(term, concentrationInTermUnit);
  if (term.appliesFrom !== undefined && c < term.appliesFrom) return { kind: 'not-applicable', concentration: c };
  const last = term.segments[term.segments.length - 1]!;
  if (c > last.cHi) return aboveTop(profile, term.above, last, c);
  const s = term.segments.find((seg) => c <= seg.cHi) ?? last;
  const unrounded = interpolate(s, c);
  return { kind: 'value', value: roundIndex(profile, unrounded), unrounded, concentration: c };
}

function aboveTop(profile: BreakpointProfile, above: AboveTop, last: Segment, c: number): SubIndexOutcome {
  switch (above.kind) {
    case 'cap': {
      const v = profile.maxIndex ?? last.iHi;
      return { kind: 'value', value: v, unrounded: v, concentration: c };
    }
    case 'extend': {
      const unrounded = interpolate(last, c);
      return { kind: 'value', value: roundIndex(profile, unrounded), unrounded, concentration: c };
    }
    case 'fixed':
      return { kind: 'value', value: above.iaqi, unrounded: above.iaqi, concentration: c };
    case 'defer':
      return above.floor === undefined
        ? { kind: 'defer', concentration: c, to: above.to }
        : { kind: 'defer', concentration: c, to: above.to, floor: above.floor };
  }
}

/** Convenience for callers holding an input-unit value (µg/m³; CO mg/m³). */
export function termSubIndexFromInput(profile: BreakpointProfile, term: BreakpointTerm, inputValue: number): SubIndexOutcome {
  return termSubIndex(profile, term, convertFromInput(term.pollutant, inputValue, term.unit));
}

export function levelFor(levelUpperLimits: readonly number[], value: number): number {
  for (let i = 0; i < levelUpperLimits.length; i++) {
    if (value <= levelUpperLimits[i]!) return i + 1;
  }
  return levelUpperLimits.length + 1;
}

/** Applies a breakpoint profile (China HJ 633, US EPA) to window means. */
export function evaluateBreakpoint(profile: BreakpointProfile, source: WindowMeanSource): IndexResult {
  const contributions: Contribution[] = [];
  const missing: MissingPollutant[] = [];
  const byId = new Map(profile.terms.map((t) => [t.id, t]));
  const pollutants: Pollutant[] = [];

  const contribution = (term: BreakpointTerm, inputMean: number, validHours: number, concentration: number, value: number): Contribution => ({
    pollutant: term.pollutant,
    term: term.id,
    windowHours: term.window.hours,
    validHours,
    inputMean,
    concentration,
    unit: term.unit,
    kind: 'sub-index',
    value,
    counted: true,
  });

  for (const term of profile.terms) {
    if (term.role !== 'primary') continue;
    if (!pollutants.includes(term.pollutant)) pollutants.push(term.pollutant);
    const read = readWindow(source, term.pollutant, term.window, term.id);
    if (!read.ok) {
      missing.push(read.missing);
      continue;
    }
    const outcome = termSubIndexFromInput(profile, term, read.mean);
    if (outcome.kind === 'value') {
      contributions.push(contribution(term, read.mean, read.validHours, outcome.concentration, outcome.value));
      continue;
    }
    if (outcome.kind === 'not-applicable') continue;

    // Above the table: the sub-index comes from another term, never below the floor.
    const target = byId.get(outcome.to);
    const targetRead = target === undefined ? undefined : readWindow(source, target.pollutant, target.window, target.id);
    let value: number | undefined;
    let targetContribution: Contribution | undefined;
    if (target !== undefined && targetRead?.ok === true) {
      const t = termSubIndexFromInput(profile, target, targetRead.mean);
      if (t.kind === 'value') {
        value = t.value;
        targetContribution = contribution(target, targetRead.mean, targetRead.validHours, t.concentration, t.value);
        targetContribution.counted = false;
      }
    }
    let note = `above the ${term.id} table; sub-index from ${outcome.to}`;
    if (outcome.floor !== undefined && (value === undefined || value < outcome.floor)) {
      note =
        value === undefined
          ? `above the ${term.id} table and ${outcome.to} unavailable or below its table; reported at the floor ${outcome.floor}`
          : `above the ${term.id} table; ${outcome.to} gives ${value}, below the floor ${outcome.floor}`;
      value = outcome.floor;
    }
    if (targetRead !== undefined && !targetRead.ok) missing.push(targetRead.missing);
    if (value === undefined) {
      // Nothing defines a value: undefined rather than a guess (e.g. US 8-h O3 > 0.200 ppm, no 1-h).
      missing.push({
        pollutant: term.pollutant,
        term: term.id,
        reason: 'undefined-above-range',
        validHours: read.validHours,
        requiredHours: term.window.minValidHours,
        windowHours: term.window.hours,
      });
      continue;
    }
    const deferring = contribution(term, read.mean, read.validHours, outcome.concentration, value);
    deferring.note = note;
    contributions.push(deferring);
    // A fallback term is shown for transparency; a primary target is already listed.
    if (targetContribution !== undefined && target?.role === 'fallback') contributions.push(targetContribution);
  }

  // A pollutant's sub-index is the highest of its counted terms (O3 1-h and 8-h).
  const perPollutant = new Map<Pollutant, number>();
  for (const c of contributions) {
    if (!c.counted) continue;
    perPollutant.set(c.pollutant, Math.max(perPollutant.get(c.pollutant) ?? -Infinity, c.value));
  }
  const absent = pollutants.filter((p) => !perPollutant.has(p));
  const values = [...perPollutant.values()];
  const base = {
    profile: { name: profile.name, version: profile.version, status: profile.status },
    contributions,
    missing,
    complete: missing.length === 0,
    high: false,
    pollutantsUsed: [...perPollutant.keys()],
    ...(profile.exceedingAbove === undefined
      ? {}
      : { exceedingPollutants: [...perPollutant.entries()].filter(([, v]) => v > profile.exceedingAbove!).map(([p]) => p) }),
  };
  const nullResult = (reason: string): IndexResult => ({
    ...base,
    value: null,
    display: null,
    band: null,
    categoryId: null,
    primaryPollutants: [],
    nullReason: reason,
  });

  if (values.length === 0) return nullResult(absent.length > 0 ? `missing: ${absent.join(', ')}` : 'no pollutant available');
  let aqi = Math.max(...values);
  if (profile.minIndex !== undefined) aqi = Math.max(profile.minIndex, aqi);
  if (absent.length > 0) {
    const policy = profile.missingPolicy;
    if (policy.kind === 'require-all') return nullResult(`missing: ${absent.join(', ')}`);
    if (policy.kind === 'publish-if-above' && !(aqi > policy.threshold)) {
      return nullResult(`missing: ${absent.join(', ')}; the others give ${aqi}, not above ${policy.threshold}`);
    }
  }
  const top = Math.max(...values);
  const primary =
    profile.primaryPollutantAbove !== null && !(aqi > profile.primaryPollutantAbove)
      ? []
      : [...perPollutant.entries()].filter(([, v]) => v === top).map(([p]) => p);
  const band = levelFor(profile.levelUpperLimits, aqi);
  return {
    ...base,
    value: aqi,
    display: String(aqi),
    band,
    categoryId: categoryForBand(profile, band)?.id ?? null,
    high: profile.highBandFrom !== undefined && band >= profile.highBandFrom,
    primaryPollutants: primary,
  };
}
