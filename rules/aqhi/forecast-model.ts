/*
 * The index forecast from a station's own history: damped anomaly persistence on a diurnal
 * profile. The profile D(h) is the mean index at each hour of the day over the last weeks; the
 * forecast for lead k from the last observed hour t is
 *
 *   f(t + k) = D(h(t + k)) + φ^k · (y(t) − D(h(t)))
 *
 * At short leads it is persistence (what is happening now stays); at long leads it returns to
 * what that hour of the day usually looks like (traffic peaks, afternoon ozone). φ is the one
 * fitted number: the decay per hour that would have done best on the same weeks. Each piece can
 * be shown to a reader, and it can never be worse than its parts for long: the skill is scored.
 */

const HOUR_MS = 3_600_000;

/** Hourly index values by epoch-hour start (ms); absent hours had no value. */
export type IndexSeries = ReadonlyMap<number, number>;

export interface ModelOptions {
  /** Days the diurnal profile averages over, default 14. */
  profileDays?: number;
  /** Values each hour of the day needs in the profile, default 5. */
  minPerHourOfDay?: number;
  /** Offset of local time from UTC, ms (hour of day is local). */
  zoneOffsetMs?: number;
}

export interface FittedModel {
  kind: 'model';
  /** Mean index per local hour of day 0..23. */
  profile: number[];
  /** Decay of the anomaly per hour. */
  phi: number;
  /** Values the profile was built from. */
  samples: number;
}

export type ModelFit = FittedModel | { kind: 'too-little-history'; samples: number; needed: number };

const PHI_CANDIDATES = [0.5, 0.7, 0.8, 0.9, 0.95, 0.98];
const FIT_LEADS = [1, 6, 24];

const hourOfDay = (hourStartMs: number, zoneOffsetMs: number): number => {
  const h = Math.floor((hourStartMs + zoneOffsetMs) / HOUR_MS) % 24;
  return h < 0 ? h + 24 : h;
};

/** Fits the profile and φ on the series up to (and including) hour t. */
export function fitModel(series: IndexSeries, t: number, options: ModelOptions = {}): ModelFit {
  const days = options.profileDays ?? 14;
  const minPer = options.minPerHourOfDay ?? 5;
  const zone = options.zoneOffsetMs ?? 0;
  const from = t - days * 24 * HOUR_MS;
  const sums = Array<number>(24).fill(0);
  const counts = Array<number>(24).fill(0);
  let samples = 0;
  for (const [hour, v] of series) {
    if (hour <= from || hour > t) continue;
    const hd = hourOfDay(hour, zone);
    sums[hd]! += v;
    counts[hd]!++;
    samples++;
  }
  if (counts.some((n) => n < minPer)) return { kind: 'too-little-history', samples, needed: 24 * minPer };
  const profile = sums.map((s, i) => s / counts[i]!);

  let phi = PHI_CANDIDATES[0]!;
  let bestError = Number.POSITIVE_INFINITY;
  for (const candidate of PHI_CANDIDATES) {
    let error = 0;
    for (const [hour, v] of series) {
      if (hour <= from || hour > t) continue;
      for (const k of FIT_LEADS) {
        const target = hour + k * HOUR_MS;
        const actual = target <= t ? series.get(target) : undefined;
        if (actual === undefined) continue;
        error += Math.abs(predict(profile, candidate, v, hour, k, zone) - actual);
      }
    }
    if (error < bestError) {
      bestError = error;
      phi = candidate;
    }
  }
  return { kind: 'model', profile, phi, samples };
}

function predict(profile: readonly number[], phi: number, y: number, t: number, k: number, zone: number): number {
  const anomaly = y - profile[hourOfDay(t, zone)]!;
  return profile[hourOfDay(t + k * HOUR_MS, zone)]! + phi ** k * anomaly;
}

/** The fitted model's forecast for lead k hours from hour t, whose value was y. */
export function modelForecast(model: FittedModel, y: number, t: number, k: number, zoneOffsetMs = 0): number {
  return predict(model.profile, model.phi, y, t, k, zoneOffsetMs);
}

/** The latest hour with a value at or before t. */
export function lastObserved(series: IndexSeries, t: number, lookBackHours = 3): { hour: number; value: number } | undefined {
  for (let h = t, i = 0; i <= lookBackHours; h -= HOUR_MS, i++) {
    const v = series.get(h);
    if (v !== undefined) return { hour: h, value: v };
  }
  return undefined;
}
