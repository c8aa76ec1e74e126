import type { StoredReading } from '../telemetry/telemetry-store.js';

const HOUR_MS = 3600_000;
const FIELDS = ['hr', 'spo2', 'sbp', 'dbp'] as const;

export interface Summary {
  min: number;
  mean: number;
  max: number;
  n: number;
}

export interface HourOfVitals {
  at: string;
  hr: Summary | null;
  spo2: Summary | null;
  sbp: Summary | null;
  dbp: Summary | null;
}

/** One entry per hour from fromMs (an hour's start) to toMs, each field's min/mean/max or null when none. */
export function hourlyVitals(readings: readonly StoredReading[], fromMs: number, toMs: number): HourOfVitals[] {
  const hours: { at: number; sums: Record<string, { min: number; max: number; total: number; n: number }> }[] = [];
  for (let at = fromMs; at < toMs; at += HOUR_MS) hours.push({ at, sums: {} });
  for (const reading of readings) {
    const hour = hours[Math.floor((reading.tsMs - fromMs) / HOUR_MS)];
    if (hour === undefined) continue;
    for (const field of FIELDS) {
      const value = reading.values[field];
      if (typeof value !== 'number' || !Number.isFinite(value)) continue;
      const s = (hour.sums[field] ??= { min: value, max: value, total: 0, n: 0 });
      s.min = Math.min(s.min, value);
      s.max = Math.max(s.max, value);
      s.total += value;
      s.n++;
    }
  }
  const summary = (s: { min: number; max: number; total: number; n: number } | undefined): Summary | null =>
    s === undefined ? null : { min: s.min, mean: Math.round((s.total / s.n) * 10) / 10, max: s.max, n: s.n };
  return hours.map((h) => ({ at: new Date(h.at).toISOString(), hr: summary(h.sums.hr), spo2: summary(h.sums.spo2), sbp: summary(h.sums.sbp), dbp: summary(h.sums.dbp) }));
}
