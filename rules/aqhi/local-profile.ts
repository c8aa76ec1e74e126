import { buildAdvice } from './advice.js';
import { inputUnit, isSupportedUnit } from './units.js';
import { POLLUTANTS } from './types.js';
import type { ConcentrationUnit, IndexCategory, LocalizedText, Pollutant, RiskScale, RiskSumProfile, RiskTerm } from './types.js';

/*
 * A deployment's own health-risk index (e.g. a city model such as Lishui's, DB3311/T 147-2020),
 * built from configuration: %AR_i = (exp(β_i · C_i) − 1) · 100 summed over the configured
 * pollutants, then banded (`bands`) or scaled and rounded (`scaled`). Nothing is built in: no
 * official Lishui coefficients were found, so the numbers must come from the product owner.
 */

export interface LocalTermConfig {
  pollutant: Pollutant;
  /** Exposure–response coefficient per unit of `unit`. */
  beta: number;
  /** Defaults to the input unit (µg/m³; CO mg/m³). */
  unit?: ConcentrationUnit;
  /** Trailing window, default 3 hours with at least 2 valid. */
  hours?: number;
  minValidHours?: number;
  /** Terms sharing a group count once, by their largest %AR. */
  group?: string;
}

export interface LocalCategoryConfig {
  id: string;
  name: LocalizedText;
  color: string;
  fromBand: number;
  toBand: number;
  advice: {
    generalPublic: LocalizedText;
    atRisk: LocalizedText;
    heartOrRespiratory?: LocalizedText;
    elderly?: LocalizedText;
    children?: LocalizedText;
    outdoorWorkers?: LocalizedText;
  };
}

export interface LocalProfileConfig {
  name?: string;
  version: string;
  status: 'verified' | 'unverified';
  title?: LocalizedText;
  /** Citation of the model the coefficients come from. */
  source: string;
  sourceUrl?: string;
  effectiveFrom?: string;
  terms: LocalTermConfig[];
  scale: { kind: 'bands'; upperLimitsPct: number[] } | { kind: 'scaled'; factor: number; min?: number; openAbove: number };
  openBandLabel?: string;
  categories: LocalCategoryConfig[];
  bandColors?: string[];
  /** The band from which the index is high for people at risk (aqhi_high); absent: never. */
  highBandFrom?: number;
}

export type LocalProfileResult = { ok: true; profile: RiskSumProfile } | { ok: false; errors: string[] };

export class AqhiConfigError extends Error {
  constructor(
    message: string,
    readonly errors: readonly string[] = [message],
  ) {
    super(message);
    this.name = 'AqhiConfigError';
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.trim().length > 0;
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const UNITS: readonly ConcentrationUnit[] = ['ug/m3', 'mg/m3', 'ppb', 'ppm'];
const COLOR = /^#[0-9A-Fa-f]{6}$/;
const ADVICE_GROUPS = ['generalPublic', 'atRisk', 'heartOrRespiratory', 'elderly', 'children', 'outdoorWorkers'] as const;

function show(v: unknown): string {
  return JSON.stringify(v) ?? String(v);
}

function unknownKeys(o: Obj, allowed: readonly string[], path: string, errors: string[]): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) errors.push(`${path}${path ? '.' : ''}${k}: unknown field`);
  }
}

function checkText(v: unknown, path: string, errors: string[]): v is LocalizedText {
  if (!isObj(v)) {
    errors.push(`${path}: must be {zh, en} (got ${show(v)})`);
    return false;
  }
  unknownKeys(v, ['zh', 'en'], path, errors);
  let ok = true;
  for (const lang of ['zh', 'en'] as const) {
    if (!isNonEmptyString(v[lang])) {
      errors.push(`${path}.${lang}: must be a non-empty string`);
      ok = false;
    }
  }
  return ok;
}

/** Checks a local profile configuration (JSON/YAML-shaped) and builds the profile, or lists every problem. */
export function validateLocalProfileConfig(input: unknown): LocalProfileResult {
  const errors: string[] = [];
  if (!isObj(input)) return { ok: false, errors: [`local profile: must be an object (got ${show(input)})`] };
  unknownKeys(
    input,
    [
      'name',
      'version',
      'status',
      'title',
      'source',
      'sourceUrl',
      'effectiveFrom',
      'terms',
      'scale',
      'openBandLabel',
      'categories',
      'bandColors',
      'highBandFrom',
    ],
    '',
    errors,
  );
  if (input.name !== undefined && !isNonEmptyString(input.name)) errors.push('name: must be a non-empty string');
  if (!isNonEmptyString(input.version)) errors.push('version: required, a non-empty string (a revision is a new version)');
  if (input.status !== 'verified' && input.status !== 'unverified') {
    errors.push(`status: must be "verified" or "unverified" (got ${show(input.status)})`);
  }
  if (!isNonEmptyString(input.source)) errors.push('source: required, the citation of the model the coefficients come from');
  if (input.sourceUrl !== undefined && !isNonEmptyString(input.sourceUrl)) errors.push('sourceUrl: must be a non-empty string');
  if (input.effectiveFrom !== undefined && !(typeof input.effectiveFrom === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(input.effectiveFrom))) {
    errors.push('effectiveFrom: must be an ISO date YYYY-MM-DD');
  }
  if (input.title !== undefined) checkText(input.title, 'title', errors);
  if (input.openBandLabel !== undefined && !isNonEmptyString(input.openBandLabel)) errors.push('openBandLabel: must be a non-empty string');

  const terms: RiskTerm[] = [];
  if (!Array.isArray(input.terms) || input.terms.length === 0) {
    errors.push('terms: required, a non-empty list of {pollutant, beta}');
  } else {
    const seen = new Set<string>();
    input.terms.forEach((t: unknown, i) => {
      const path = `terms[${i}]`;
      if (!isObj(t)) {
        errors.push(`${path}: must be an object`);
        return;
      }
      unknownKeys(t, ['pollutant', 'beta', 'unit', 'hours', 'minValidHours', 'group'], path, errors);
      const pollutant = t.pollutant;
      if (typeof pollutant !== 'string' || !(POLLUTANTS as readonly string[]).includes(pollutant)) {
        errors.push(`${path}.pollutant: must be one of ${POLLUTANTS.join(', ')} (got ${show(pollutant)})`);
        return;
      }
      const p = pollutant as Pollutant;
      if (seen.has(p)) errors.push(`${path}.pollutant: ${p} is listed twice`);
      seen.add(p);
      const beta = t.beta;
      if (typeof beta !== 'number' || !Number.isFinite(beta) || beta <= 0) {
        errors.push(`${path}.beta: must be a positive number (got ${show(beta)})`);
      } else if (beta >= 0.1) {
        errors.push(`${path}.beta: ${beta} is implausibly large for a per-unit coefficient (expected around 1e-4..1e-2)`);
      }
      const unit = t.unit ?? inputUnit(p);
      if (typeof unit !== 'string' || !(UNITS as readonly string[]).includes(unit)) {
        errors.push(`${path}.unit: must be one of ${UNITS.join(', ')} (got ${show(t.unit)})`);
      } else if (!isSupportedUnit(p, unit as ConcentrationUnit)) {
        errors.push(`${path}.unit: ${p} cannot be expressed in ${unit}`);
      }
      const hours = t.hours ?? 3;
      const minValid = t.minValidHours ?? Math.min(2, isInt(hours) ? hours : 2);
      if (!isInt(hours) || hours < 1 || hours > 24) errors.push(`${path}.hours: must be an integer 1..24 (got ${show(t.hours)})`);
      if (!isInt(minValid) || minValid < 1 || (isInt(hours) && minValid > hours)) {
        errors.push(`${path}.minValidHours: must be an integer 1..hours (got ${show(t.minValidHours)})`);
      }
      if (t.group !== undefined && !isNonEmptyString(t.group)) errors.push(`${path}.group: must be a non-empty string`);
      if (typeof beta === 'number' && isInt(hours) && isInt(minValid)) {
        const term: RiskTerm = { pollutant: p, beta, unit: unit as ConcentrationUnit, window: { hours, minValidHours: minValid } };
        if (typeof t.group === 'string') term.group = t.group;
        terms.push(term);
      }
    });
  }

  let scale: RiskScale | undefined;
  let firstBand = 1;
  let lastBand = 0;
  const s = input.scale;
  if (!isObj(s)) {
    errors.push('scale: required, {kind: "bands", upperLimitsPct} or {kind: "scaled", factor, openAbove}');
  } else if (s.kind === 'bands') {
    unknownKeys(s, ['kind', 'upperLimitsPct'], 'scale', errors);
    const limits = s.upperLimitsPct;
    if (!Array.isArray(limits) || limits.length === 0 || !limits.every((x) => typeof x === 'number' && Number.isFinite(x) && x > 0)) {
      errors.push('scale.upperLimitsPct: must be a non-empty list of positive numbers (%AR)');
    } else if (!limits.every((x: number, i) => i === 0 || x > (limits[i - 1] as number))) {
      errors.push('scale.upperLimitsPct: must be strictly increasing');
    } else {
      scale = { kind: 'bands', upperLimitsPct: limits as number[] };
      lastBand = limits.length + 1;
    }
  } else if (s.kind === 'scaled') {
    unknownKeys(s, ['kind', 'factor', 'min', 'openAbove'], 'scale', errors);
    const min = s.min ?? 1;
    if (typeof s.factor !== 'number' || !Number.isFinite(s.factor) || s.factor <= 0) {
      errors.push(`scale.factor: must be a positive number (got ${show(s.factor)})`);
    }
    if (!isInt(min) || min < 0) errors.push(`scale.min: must be a non-negative integer (got ${show(s.min)})`);
    if (!isInt(s.openAbove) || (isInt(min) && s.openAbove < min)) {
      errors.push(`scale.openAbove: must be an integer ≥ min (got ${show(s.openAbove)})`);
    }
    if (typeof s.factor === 'number' && s.factor > 0 && isInt(min) && isInt(s.openAbove) && s.openAbove >= min) {
      scale = { kind: 'scaled', factor: s.factor, min, openAbove: s.openAbove };
      firstBand = min;
      lastBand = s.openAbove + 1;
    }
  } else {
    errors.push(`scale.kind: must be "bands" or "scaled" (got ${show(s.kind)})`);
  }

  const categories: IndexCategory[] = [];
  if (!Array.isArray(input.categories) || input.categories.length === 0) {
    errors.push('categories: required, a non-empty list covering every band');
  } else {
    input.categories.forEach((c: unknown, i) => {
      const path = `categories[${i}]`;
      if (!isObj(c)) {
        errors.push(`${path}: must be an object`);
        return;
      }
      unknownKeys(c, ['id', 'name', 'color', 'fromBand', 'toBand', 'advice'], path, errors);
      let ok = true;
      if (!isNonEmptyString(c.id)) {
        errors.push(`${path}.id: must be a non-empty string`);
        ok = false;
      }
      ok = checkText(c.name, `${path}.name`, errors) && ok;
      if (typeof c.color !== 'string' || !COLOR.test(c.color)) {
        errors.push(`${path}.color: must be #RRGGBB (got ${show(c.color)})`);
        ok = false;
      }
      if (!isInt(c.fromBand) || !isInt(c.toBand) || c.fromBand > c.toBand) {
        errors.push(`${path}: fromBand and toBand must be integers with fromBand ≤ toBand`);
        ok = false;
      }
      const a = c.advice;
      if (!isObj(a)) {
        errors.push(`${path}.advice: required, with at least generalPublic and atRisk in zh and en`);
        return;
      }
      unknownKeys(a, ADVICE_GROUPS, `${path}.advice`, errors);
      for (const g of ADVICE_GROUPS) {
        const required = g === 'generalPublic' || g === 'atRisk';
        if (a[g] === undefined && !required) continue;
        ok = checkText(a[g], `${path}.advice.${g}`, errors) && ok;
      }
      if (!ok) return;
      const parts = a as unknown as LocalCategoryConfig['advice'];
      categories.push({
        id: c.id as string,
        name: c.name as LocalizedText,
        color: c.color as string,
        fromBand: c.fromBand as number,
        toBand: c.toBand as number,
        advice: buildAdvice(parts),
      });
    });
    if (new Set(categories.map((c) => c.id)).size !== categories.length) errors.push('categories: ids must be unique');
    if (lastBand > 0 && categories.length === input.categories.length) {
      for (let band = firstBand; band <= lastBand; band++) {
        const n = categories.filter((c) => band >= c.fromBand && band <= c.toBand).length;
        if (n !== 1) errors.push(`categories: band ${band} is covered ${n} times (each band from ${firstBand} to ${lastBand} exactly once)`);
      }
    }
  }

  if (input.bandColors !== undefined) {
    const bc = input.bandColors;
    if (!Array.isArray(bc) || !bc.every((x) => typeof x === 'string' && COLOR.test(x))) {
      errors.push('bandColors: must be a list of #RRGGBB');
    } else if (lastBand > 0 && bc.length !== lastBand) {
      errors.push(`bandColors: needs ${lastBand} colours, one per band (got ${bc.length})`);
    }
  }

  const high = input.highBandFrom;
  if (high !== undefined && (!isInt(high) || (lastBand > 0 && (high < firstBand || high > lastBand)))) {
    errors.push(`highBandFrom: must be a band from ${firstBand} to ${lastBand} (got ${show(high)})`);
  }

  if (errors.length > 0 || scale === undefined) return { ok: false, errors: errors.length > 0 ? errors : ['scale: invalid'] };

  const name = (input.name as string | undefined) ?? 'local';
  const version = input.version as string;
  const profile: RiskSumProfile = {
    kind: 'risk-sum',
    name,
    version,
    status: input.status as 'verified' | 'unverified',
    title: (input.title as LocalizedText | undefined) ?? { zh: `本地空气质量健康指数（${version}）`, en: `Local air quality health index (${version})` },
    sources: [
      input.sourceUrl === undefined
        ? { id: 'LOCAL', citation: input.source as string }
        : { id: 'LOCAL', citation: input.source as string, url: input.sourceUrl as string },
    ],
    notes: [
      'Coefficients, windows and bands come from deployment configuration; see the cited source.',
      'Any configured pollutant (or whole group) missing makes the index null; a missing pollutant is never zero.',
    ],
    terms,
    scale,
    openBandLabel: (input.openBandLabel as string | undefined) ?? `${lastBand - 1}+`,
    categories,
  };
  if (typeof input.effectiveFrom === 'string') profile.effectiveFrom = input.effectiveFrom;
  if (Array.isArray(input.bandColors)) profile.bandColors = input.bandColors as string[];
  if (isInt(high)) profile.highBandFrom = high;
  return { ok: true, profile };
}

/** Builds a local profile or throws AqhiConfigError naming every problem. */
export function createLocalProfile(config: LocalProfileConfig): RiskSumProfile {
  const r = validateLocalProfileConfig(config);
  if (!r.ok) throw new AqhiConfigError(`invalid local AQHI profile: ${r.errors.join('; ')}`, r.errors);
  return r.profile;
}
