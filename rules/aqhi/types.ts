/**
 * Vocabulary of the air-quality index core: pollutants, units, profiles (pure data) and the
 * results the evaluator and the engine return. Everything here is JSON-serialisable.
 */

/** The pollutants an air station reports (AirValues in ../device-messages.ts), in a fixed order. */
export const POLLUTANTS = ['pm25', 'pm10', 'o3', 'no2', 'so2', 'co'] as const;
export type Pollutant = (typeof POLLUTANTS)[number];

/**
 * Input units are fixed by the contract: µg/m³ for everything except CO in mg/m³.
 * Profiles may state a term in ppb/ppm; the evaluator converts (see units.ts).
 */
export type ConcentrationUnit = 'ug/m3' | 'mg/m3' | 'ppb' | 'ppm';

export interface LocalizedText {
  zh: string;
  en: string;
}

/** Health advice for one category, for the general public and for each group at risk. */
export interface HealthAdvice {
  generalPublic: LocalizedText;
  heartOrRespiratory: LocalizedText;
  elderly: LocalizedText;
  children: LocalizedText;
  outdoorWorkers: LocalizedText;
}

export interface IndexCategory {
  /** Stable machine id, e.g. `low`, `very-high`, `unhealthy-sensitive`. */
  id: string;
  name: LocalizedText;
  /** `#RRGGBB`. */
  color: string;
  /** Inclusive band range this category covers (HK/Canada: 1..11 where 11 is "10+"; AQIs: level 1..6). */
  fromBand: number;
  toBand: number;
  advice: HealthAdvice;
}

export interface SourceRef {
  /** Short id as used in shared/reference/aqi-sources.md, e.g. `HK-FAQ`. */
  id: string;
  citation: string;
  url?: string;
}

/** A trailing window of whole UTC hours ending with (and including) the evaluated hour. */
export interface AveragingWindow {
  hours: number;
  /** Fewer valid hourly means than this and the window mean is missing (never zero). */
  minValidHours: number;
}

interface ProfileMeta {
  name: string;
  version: string;
  /** `unverified`: constants taken from a source we could not confirm; never the default. */
  status: 'verified' | 'unverified';
  /** ISO date the standard took effect, when known. */
  effectiveFrom?: string;
  title: LocalizedText;
  sources: readonly SourceRef[];
  /** Conventions and assumptions a reader must know to trust the numbers. */
  notes: readonly string[];
  categories: readonly IndexCategory[];
  /** Optional per-band colours (Canada publishes one per band); else the category colour. */
  bandColors?: readonly string[];
  /**
   * The band from which the index counts as high for people at risk (DESIGN.md `aqhi_high`):
   * the first band whose advice tells them to cut outdoor exertion. Absent: never high.
   */
  highBandFrom?: number;
}

/** One exposure–response term: %AR = (exp(beta · C) − 1) · 100, C in `unit`. */
export interface RiskTerm {
  pollutant: Pollutant;
  beta: number;
  unit: ConcentrationUnit;
  window: AveragingWindow;
  /** Terms sharing a group count once, by their largest %AR (HK: PM10 vs PM2.5). */
  group?: string;
}

export type RiskScale =
  /** Band n when %AR ≤ upperLimitsPct[n−1] (inclusive); above the last limit: the open top band. */
  | { kind: 'bands'; upperLimitsPct: readonly number[] }
  /** value = max(min, round-half-up(factor · Σ%AR)); a value above openAbove is the open top band. */
  | { kind: 'scaled'; factor: number; min: number; openAbove: number };

/** Health-risk indices that add up per-pollutant added risk (HK AQHI, Canada AQHI, local models). */
export interface RiskSumProfile extends ProfileMeta {
  kind: 'risk-sum';
  terms: readonly RiskTerm[];
  scale: RiskScale;
  /** How the open top band is shown, e.g. `10+`. */
  openBandLabel: string;
}

export interface Segment {
  cLo: number;
  cHi: number;
  iLo: number;
  iHi: number;
}

export type AboveTop =
  /** Clamp to the profile's maxIndex. */
  | { kind: 'cap' }
  /** Continue the last segment's line (US TAD 2024: "Beyond the AQI"). */
  | { kind: 'extend' }
  /** A fixed sub-index (HJ 633-2026: SO2 1-h > 800 → 200; O3 8-h > 800 → 300). */
  | { kind: 'fixed'; iaqi: number }
  /** Use another term's sub-index, never below `floor` (US SO2: 24-h above 304 ppb 1-h, floor 200). */
  | { kind: 'defer'; to: string; floor?: number };

export interface BreakpointTerm {
  /** `${pollutant}_${hours}h`, unique within the profile. */
  id: string;
  pollutant: Pollutant;
  window: AveragingWindow;
  unit: ConcentrationUnit;
  /** `fallback` terms are only evaluated when another term defers to them. */
  role: 'primary' | 'fallback';
  segments: readonly Segment[];
  above: AboveTop;
  /** Below this concentration the term does not apply (US: 1-h O3 below 0.125 ppm). */
  appliesFrom?: number;
  /** Truncate the concentration to this many decimals before Eq. 1 (US TAD 2024). */
  truncateDecimals?: number;
  /** Round the concentration half-to-even to this many decimals (HJ 633-2026, GB/T 8170). */
  roundDecimals?: number;
}

export type MissingPolicy =
  /** Any missing pollutant (or PM group) makes the index null. */
  | { kind: 'require-all' }
  /** With pollutants missing, publish only when the index from the others exceeds threshold. */
  | { kind: 'publish-if-above'; threshold: number }
  /** Publish the maximum of what is available and list the rest as missing. */
  | { kind: 'publish-partial' };

/** Breakpoint indices: AQI = max of per-pollutant sub-indices (China HJ 633, US EPA). */
export interface BreakpointProfile extends ProfileMeta {
  kind: 'breakpoint';
  terms: readonly BreakpointTerm[];
  /** `ceil` (HJ 633) or `half-up` (US TAD: nearest integer, ties up). */
  indexRounding: 'ceil' | 'half-up';
  minIndex?: number;
  maxIndex?: number;
  /** Level n when AQI ≤ levelUpperLimits[n−1]; above the last: the top level. */
  levelUpperLimits: readonly number[];
  /** Primary pollutants are named only when the AQI exceeds this (HJ 633: 50); null: always. */
  primaryPollutantAbove: number | null;
  /** HJ 633-2012 §4.4: exceeding pollutants are those with a sub-index above this. */
  exceedingAbove?: number;
  missingPolicy: MissingPolicy;
}

export type AqiProfile = RiskSumProfile | BreakpointProfile;

/** A trailing window mean as the evaluator sees it, in the input unit (µg/m³, CO mg/m³). */
export interface WindowMean {
  /** null when fewer than minValidHours valid hourly means were available. */
  mean: number | null;
  validHours: number;
}

/** Where the evaluator reads window means from: the engine's hourly store, or a test table. */
export type WindowMeanSource = (pollutant: Pollutant, window: AveragingWindow) => WindowMean;

/** `invalid`: a window mean that is negative or not a number (only from direct callers). */
export type MissingReason = 'no-data' | 'too-few-hours' | 'invalid' | 'undefined-above-range';

export interface MissingPollutant {
  pollutant: Pollutant;
  /** The term whose window could not be filled, e.g. `o3_8h`, `pm25_3h`. */
  term: string;
  reason: MissingReason;
  validHours: number;
  requiredHours: number;
  windowHours: number;
}

export interface Contribution {
  pollutant: Pollutant;
  term: string;
  windowHours: number;
  validHours: number;
  /** The window mean in the input unit (µg/m³; CO mg/m³). */
  inputMean: number;
  /** The concentration the formula used, in `unit`, after conversion, truncation or rounding. */
  concentration: number;
  unit: ConcentrationUnit;
  kind: 'added-risk-pct' | 'sub-index';
  /** %AR for risk-sum terms; the (rounded) sub-index for breakpoint terms. */
  value: number;
  /** false when the term was evaluated but not counted (the lower PM term; a deferring term). */
  counted: boolean;
  note?: string;
}

/** A profile applied to one set of window means. Plain data; category by id only. */
export interface IndexResult {
  profile: { name: string; version: string; status: 'verified' | 'unverified' };
  /** The index: HK band 1..11 (11 = 10+), Canada rounded value (may exceed 10), AQI integer. */
  value: number | null;
  /** How to show it: `3`, `10+`, `152`. */
  display: string | null;
  /** HK/Canada: 1..11; AQI: level 1..6. */
  band: number | null;
  categoryId: string | null;
  /** Σ%AR for risk-sum profiles. */
  addedRiskPct?: number;
  contributions: Contribution[];
  pollutantsUsed: Pollutant[];
  primaryPollutants: Pollutant[];
  exceedingPollutants?: Pollutant[];
  missing: MissingPollutant[];
  /** true when no term was missing. */
  complete: boolean;
  /** The band is at or above the profile's highBandFrom (false when the index is null). */
  high: boolean;
  /** Why value is null, when it is. */
  nullReason?: string;
}

export interface CategoryView {
  id: string;
  name: LocalizedText;
  color: string;
}

/** One station-hour of the index, as the feed and the history carry it. */
export interface IndexUpdate extends IndexResult {
  stationId: string;
  /** UTC-aligned epoch hour the index belongs to: [hourStartMs, hourEndMs). */
  hourStartMs: number;
  hourEndMs: number;
  /** Earliest hour any term's window reaches back to; the window ends at hourEndMs. */
  windowStartMs: number;
  /** true while the hour is not over (as far as the engine knows); later samples may change it. */
  provisional: boolean;
  category: CategoryView | null;
  advice: HealthAdvice | null;
  color: string | null;
}

/** The injectable time source; the engine never reads the system clock. */
export interface Clock {
  nowMs(): number;
}
