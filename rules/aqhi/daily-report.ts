import { categoryForBand } from './category-for-band.js';
import { bandOfValue } from './index-band.js';
import type { PollutantLimit } from './daily-limits.js';
import { POLLUTANTS, type AqiProfile, type CategoryView, type Pollutant } from './types.js';

/*
 * A local day's report from its hourly values: pure, the day's bounds and hours come in.
 *
 * An hour counts when its index has a value and the station's own readings of that hour gave a
 * counted hourly mean (an index carried by the moving average alone does not count). The day's
 * index figures come from counted hours only. A day with fewer than `requiredHours` counted hours
 * is incomplete (default 20 of 24: GB 3095-2012 §7 / HJ 663 data validity for a daily mean).
 */

const HOUR_MS = 3_600_000;
export const DEFAULT_REQUIRED_HOURS = 20;

/** One hour of a station (or a district) as the report reads it. */
export interface DayHour {
  hourStartMs: number;
  value: number | null;
  primaryPollutants: readonly Pollutant[];
  /** Counted hourly means of the hour's own readings (µg/m³; CO mg/m³). */
  means: Partial<Record<Pollutant, number>>;
}

export interface BandView {
  band: number;
  display: string;
  category: CategoryView | null;
}

export interface LimitOutcome {
  windowHours: number;
  value: number;
  source: string;
  /** Hours of the day whose trailing mean over windowHours was above the limit (24 h: the day's mean, 0 or 1). */
  exceedances: number;
  /** Hours whose window had enough valid means to be compared. */
  comparedHours: number;
}

export interface PollutantDay {
  mean: number | null;
  max: number | null;
  hours: number;
  limits: LimitOutcome[];
}

export interface DailyFigures {
  date: string;
  from: string;
  to: string;
  max: number | null;
  mean: number | null;
  min: number | null;
  bands: { max: BandView | null; mean: BandView | null; min: BandView | null };
  /** Counted hours per band, keyed by band number. */
  hoursByBand: Record<string, number>;
  /** The pollutant named most often as primary in the day's worst hours. */
  dominant: { pollutant: Pollutant; hours: number } | null;
  pollutants: Partial<Record<Pollutant, PollutantDay>>;
  /** Counted hours / hours in the day. */
  completeness: number;
  hoursCounted: number;
  hoursExpected: number;
  hoursRequired: number;
  incomplete: boolean;
}

export interface DailyReportInput {
  profile: AqiProfile;
  date: string;
  startMs: number;
  endMs: number;
  hours: readonly DayHour[];
  limits: readonly PollutantLimit[];
  requiredHours?: number;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

function displayOf(profile: AqiProfile, value: number, band: number): string {
  if (profile.kind === 'risk-sum') {
    const top = profile.scale.kind === 'bands' ? profile.scale.upperLimitsPct.length + 1 : profile.scale.openAbove + 1;
    if (band >= top) return profile.openBandLabel;
  }
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

export function bandView(profile: AqiProfile, value: number): BandView {
  const band = bandOfValue(profile, value);
  const c = categoryForBand(profile, band);
  return { band, display: displayOf(profile, value, band), category: c === undefined ? null : { id: c.id, name: c.name, color: c.color } };
}

function dominantOf(worst: readonly DayHour[]): DailyFigures['dominant'] {
  const counts = new Map<Pollutant, number>();
  for (const h of worst) for (const p of h.primaryPollutants) counts.set(p, (counts.get(p) ?? 0) + 1);
  let best: DailyFigures['dominant'] = null;
  // POLLUTANTS order settles ties, so the same day always names the same pollutant.
  for (const p of POLLUTANTS) {
    const n = counts.get(p) ?? 0;
    if (n > 0 && (best === null || n > best.hours)) best = { pollutant: p, hours: n };
  }
  return best;
}

function limitOutcome(limit: PollutantLimit, slots: readonly (number | undefined)[]): LimitOutcome {
  let exceedances = 0;
  let comparedHours = 0;
  const w = Math.min(limit.windowHours, slots.length);
  for (let i = w - 1; i < slots.length; i++) {
    let sum = 0;
    let n = 0;
    for (let j = i - w + 1; j <= i; j++) {
      const m = slots[j];
      if (m !== undefined) {
        sum += m;
        n++;
      }
    }
    if (n === 0 || n < Math.min(limit.minValidHours, w)) continue;
    comparedHours++;
    if (sum / n > limit.value) exceedances++;
  }
  return { windowHours: limit.windowHours, value: limit.value, source: limit.source, exceedances, comparedHours };
}

export function buildDailyFigures(input: DailyReportInput): DailyFigures {
  const { profile, startMs, endMs, limits } = input;
  const hoursExpected = Math.round((endMs - startMs) / HOUR_MS);
  const hoursRequired = Math.min(input.requiredHours ?? DEFAULT_REQUIRED_HOURS, hoursExpected);
  const inDay = [...input.hours].filter((h) => h.hourStartMs >= startMs && h.hourStartMs < endMs).sort((a, b) => a.hourStartMs - b.hourStartMs);
  const counted = inDay.filter((h) => h.value !== null && Object.keys(h.means).length > 0);
  const values = counted.map((h) => h.value as number);

  const max = values.length === 0 ? null : Math.max(...values);
  const min = values.length === 0 ? null : Math.min(...values);
  const mean = values.length === 0 ? null : round2(values.reduce((a, b) => a + b, 0) / values.length);

  const hoursByBand: Record<string, number> = {};
  for (const v of values) {
    const b = String(bandOfValue(profile, v));
    hoursByBand[b] = (hoursByBand[b] ?? 0) + 1;
  }

  const pollutants: Partial<Record<Pollutant, PollutantDay>> = {};
  for (const p of POLLUTANTS) {
    const slots: (number | undefined)[] = Array.from({ length: hoursExpected }, () => undefined);
    for (const h of inDay) {
      const m = h.means[p];
      if (m !== undefined) slots[Math.floor((h.hourStartMs - startMs) / HOUR_MS)] = m;
    }
    const present = slots.filter((m): m is number => m !== undefined);
    const own = limits.filter((l) => l.pollutant === p);
    if (present.length === 0 && own.length === 0) continue;
    pollutants[p] = {
      mean: present.length === 0 ? null : round2(present.reduce((a, b) => a + b, 0) / present.length),
      max: present.length === 0 ? null : round2(Math.max(...present)),
      hours: present.length,
      limits: own.map((l) => limitOutcome(l, slots)),
    };
  }

  return {
    date: input.date,
    from: new Date(startMs).toISOString(),
    to: new Date(endMs).toISOString(),
    max,
    mean,
    min,
    bands: {
      max: max === null ? null : bandView(profile, max),
      mean: mean === null ? null : bandView(profile, mean),
      min: min === null ? null : bandView(profile, min),
    },
    hoursByBand,
    dominant: max === null ? null : dominantOf(counted.filter((h) => h.value === max)),
    pollutants,
    completeness: hoursExpected === 0 ? 0 : round2(counted.length / hoursExpected),
    hoursCounted: counted.length,
    hoursExpected,
    hoursRequired,
    incomplete: counted.length < hoursRequired,
  };
}

/**
 * A district's hours from its stations': each hour takes the worst station's index (the district's
 * residents may be anywhere in it, so the report errs on the side of their health) and the mean of
 * the stations' hourly means per pollutant.
 */
export function mergeStationHours(stations: readonly (readonly DayHour[])[]): DayHour[] {
  const byHour = new Map<number, DayHour[]>();
  for (const hours of stations) for (const h of hours) byHour.set(h.hourStartMs, [...(byHour.get(h.hourStartMs) ?? []), h]);
  const out: DayHour[] = [];
  for (const [hourStartMs, hs] of [...byHour].sort((a, b) => a[0] - b[0])) {
    const withValue = hs.filter((h) => h.value !== null && Object.keys(h.means).length > 0);
    const worst = withValue.reduce<DayHour | undefined>((w, h) => (w === undefined || (h.value as number) > (w.value as number) ? h : w), undefined);
    const means: Partial<Record<Pollutant, number>> = {};
    for (const p of POLLUTANTS) {
      const xs = hs.map((h) => h.means[p]).filter((m): m is number => m !== undefined);
      if (xs.length > 0) means[p] = xs.reduce((a, b) => a + b, 0) / xs.length;
    }
    out.push({ hourStartMs, value: worst?.value ?? null, primaryPollutants: worst?.primaryPollutants ?? [], means });
  }
  return out;
}
