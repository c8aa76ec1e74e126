/*
 * Neighbourhood sensors (an air monitor in a rubbish bin) read against the nearest official
 * station. Low-cost optical sensors read PM high and with an offset, changing with humidity and
 * age, so each is corrected by a straight line fitted on the hours both measured:
 *
 *   corrected = intercept + slope · reading      (ordinary least squares, the last `windowHours`)
 *
 * The fit (slope, intercept, r², n, error) is shown beside the corrected value. A sensor whose
 * recent hours stray from the line it was fitted on is drifting; one that repeats one value
 * while the station's air changes is stuck. Neither is ever part of the official index.
 */

const HOUR_MS = 3_600_000;

/** One hour both measured: the neighbourhood sensor's hourly mean and the station's. */
export interface ColocatedHour {
  hourStartMs: number;
  sensor: number;
  station: number;
}

export interface LinearFit {
  slope: number;
  intercept: number;
  /** Share of the station's variance the line explains. */
  r2: number;
  /** Hours fitted on. */
  n: number;
  /** Root-mean-square error of the corrected values against the station, same unit. */
  rmse: number;
  fromMs: number;
  toMs: number;
}

export type CalibrationStatus = 'calibrating' | 'ok' | 'drifting' | 'stuck';

export interface Calibration {
  status: CalibrationStatus;
  /** The line in force (fitted before the recent hours it is checked on); null while calibrating. */
  fit: LinearFit | null;
  /** Why the status is what it is, for a reader. */
  reason: string;
  /** The numbers the reason quotes, so that it can be said in another language. */
  figures: CalibrationFigures;
}

export interface CalibrationFigures {
  /** Co-located hours available (calibrating: of `minHours`). */
  hours: number;
  minHours: number;
  /** The recent hours checked against the line, and their mean relative error. */
  recentHours?: number;
  recentRelativeError?: number;
  /** Stuck: the repeated value, for how many hours, and whether the station's changed meanwhile. */
  repeatedValue?: number;
  repeatedHours?: number;
  stationMoved?: boolean;
}

export interface CalibrationOptions {
  /** Hours the line is fitted on, default 72. */
  windowHours?: number;
  /** Hours the fit needs, default 24. */
  minHours?: number;
  /** Recent hours checked against the line for drift, default 12. */
  checkHours?: number;
  /** Drifting when the recent hours' mean relative error exceeds this, default 0.25. */
  driftRelativeError?: number;
  /** Stuck when this many recent hourly means are all the same, default 6. */
  stuckHours?: number;
}

/** Ordinary least squares of station on sensor; null with fewer than 2 distinct sensor values. */
export function fitLine(hours: readonly ColocatedHour[]): LinearFit | null {
  const n = hours.length;
  if (n < 2) return null;
  const mx = hours.reduce((a, h) => a + h.sensor, 0) / n;
  const my = hours.reduce((a, h) => a + h.station, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const h of hours) {
    sxx += (h.sensor - mx) ** 2;
    sxy += (h.sensor - mx) * (h.station - my);
    syy += (h.station - my) ** 2;
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let sse = 0;
  for (const h of hours) sse += (h.station - (intercept + slope * h.sensor)) ** 2;
  const times = hours.map((h) => h.hourStartMs);
  return { slope, intercept, r2: syy === 0 ? 1 : 1 - sse / syy, n, rmse: Math.sqrt(sse / n), fromMs: Math.min(...times), toMs: Math.max(...times) + HOUR_MS };
}

export function correct(fit: LinearFit, reading: number): number {
  return Math.max(0, fit.intercept + fit.slope * reading);
}

/**
 * The sensor's calibration from its co-located hours (any order). `recentSensor` are its latest
 * hourly means whether or not the station had a value (for the stuck check), oldest first.
 */
export function calibrate(hours: readonly ColocatedHour[], recentSensor: readonly number[], options: CalibrationOptions = {}): Calibration {
  const windowHours = options.windowHours ?? 72;
  const minHours = options.minHours ?? 24;
  const checkHours = options.checkHours ?? 12;
  const driftLimit = options.driftRelativeError ?? 0.25;
  const stuckHours = options.stuckHours ?? 6;
  const sorted = [...hours].sort((a, b) => a.hourStartMs - b.hourStartMs);

  const tail = recentSensor.slice(-stuckHours);
  if (tail.length >= stuckHours && tail.every((v) => v === tail[0])) {
    const stationTail = sorted.slice(-stuckHours).map((h) => h.station);
    const stationMoved = stationTail.length >= 2 && Math.max(...stationTail) - Math.min(...stationTail) > 0;
    return {
      status: 'stuck',
      fit: null,
      reason: `the same reading (${tail[0]}) for ${stuckHours} hours${stationMoved ? ' while the station’s changed' : ''}`,
      figures: { hours: sorted.length, minHours, repeatedValue: tail[0]!, repeatedHours: stuckHours, stationMoved },
    };
  }
  // The line is fitted on the hours before the recent ones, so that drift shows against it.
  const recent = sorted.slice(-checkHours);
  const before = sorted.slice(0, Math.max(0, sorted.length - checkHours)).slice(-windowHours);
  const base = before.length >= minHours ? before : sorted.slice(-windowHours);
  const figures: CalibrationFigures = { hours: sorted.length, minHours };
  if (base.length < minHours) return { status: 'calibrating', fit: null, reason: `${base.length} co-located hours of the ${minHours} a fit needs`, figures };
  const fit = fitLine(base);
  if (fit === null) return { status: 'calibrating', fit: null, reason: 'the readings do not vary enough to fit a line', figures };
  if (base !== before) return { status: 'ok', fit, reason: `fitted on ${fit.n} hours`, figures };
  const errors = recent.filter((h) => h.station > 0).map((h) => Math.abs(correct(fit, h.sensor) - h.station) / h.station);
  const meanError = errors.length === 0 ? 0 : errors.reduce((a, b) => a + b, 0) / errors.length;
  const checked = { ...figures, recentHours: errors.length, recentRelativeError: meanError };
  if (meanError > driftLimit) {
    return { status: 'drifting', fit, reason: `the last ${errors.length} hours are ${Math.round(meanError * 100)} % off the line fitted before them`, figures: checked };
  }
  return { status: 'ok', fit, reason: `fitted on ${fit.n} hours; the last ${errors.length} are ${Math.round(meanError * 100)} % off it`, figures: checked };
}
