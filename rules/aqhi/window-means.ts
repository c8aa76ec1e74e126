import type { AveragingWindow, MissingPollutant, Pollutant, WindowMean, WindowMeanSource } from './types.js';

/**
 * A window-mean source for already-averaged concentrations (tests, one-off evaluations).
 * Keys are a pollutant (`o3`, used for every window) or a term (`o3_8h`, that window only);
 * input units: µg/m³, CO mg/m³. A pollutant that is not given is missing, never zero.
 */
export function constantWindowMeans(values: Readonly<Record<string, number | undefined>>): WindowMeanSource {
  return (pollutant: Pollutant, window: AveragingWindow): WindowMean => {
    const v = values[`${pollutant}_${window.hours}h`] ?? values[pollutant];
    return v === undefined ? { mean: null, validHours: 0 } : { mean: v, validHours: window.hours };
  };
}

/** The term id the results use: `${pollutant}_${hours}h`. */
export function termId(pollutant: Pollutant, window: AveragingWindow): string {
  return `${pollutant}_${window.hours}h`;
}

/** Reads a window mean and says why it is unusable, if it is. */
export function readWindow(
  source: WindowMeanSource,
  pollutant: Pollutant,
  window: AveragingWindow,
  term: string,
): { ok: true; mean: number; validHours: number } | { ok: false; missing: MissingPollutant } {
  const wm = source(pollutant, window);
  const base = { pollutant, term, validHours: wm.validHours, requiredHours: window.minValidHours, windowHours: window.hours };
  if (wm.mean === null) {
    return { ok: false, missing: { ...base, reason: wm.validHours === 0 ? 'no-data' : 'too-few-hours' } };
  }
  if (!Number.isFinite(wm.mean) || wm.mean < 0) {
    return { ok: false, missing: { ...base, reason: 'invalid' } };
  }
  return { ok: true, mean: wm.mean, validHours: wm.validHours };
}
