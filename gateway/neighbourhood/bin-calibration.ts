import { calibrate, correct, HOUR_MS, type Calibration, type ColocatedHour, type LinearFit, type Pollutant } from '../../rules/aqhi/index.js';
import type { StoredReading } from '../telemetry/telemetry-store.js';

/** The air fields a bin shares with an official station, each corrected against it. */
export const CALIBRATED_POLLUTANTS = ['pm25', 'pm10', 'o3', 'no2', 'so2', 'co'] as const satisfies readonly Pollutant[];
export type CalibratedPollutant = (typeof CALIBRATED_POLLUTANTS)[number];

/** Hours of readings a calibration reads: the fit's window and the recent hours it is checked on. */
export const CALIBRATION_LOOKBACK_HOURS = 72 + 12;

export type SensorStatus = Calibration['status'] | 'no_station';

export interface PollutantCalibration {
  pollutant: CalibratedPollutant;
  /** The last complete hour both could be compared on (or the bin's last hour). */
  hourStart: string | null;
  /** The bin's mean that hour, as read. */
  raw: number | null;
  /** The same through the fitted line; null while there is no line to trust (calibrating, stuck). */
  corrected: number | null;
  /** The official station's mean that hour, for comparison. */
  station: number | null;
  status: SensorStatus;
  fit: (Omit<LinearFit, 'fromMs' | 'toMs'> & { from: string; to: string }) | null;
  reason: { en: string; zh: string };
}

/** Hourly means of each field in the readings, by hour start. */
export function hourlyMeans(readings: readonly StoredReading[]): Map<number, Partial<Record<CalibratedPollutant, number>>> {
  const sums = new Map<number, Map<CalibratedPollutant, { sum: number; n: number }>>();
  for (const r of readings) {
    const hour = Math.floor(r.tsMs / HOUR_MS) * HOUR_MS;
    for (const p of CALIBRATED_POLLUTANTS) {
      const v = r.values[p];
      if (typeof v !== 'number') continue;
      const byField = sums.get(hour) ?? new Map<CalibratedPollutant, { sum: number; n: number }>();
      sums.set(hour, byField);
      const acc = byField.get(p) ?? { sum: 0, n: 0 };
      acc.sum += v;
      acc.n += 1;
      byField.set(p, acc);
    }
  }
  const means = new Map<number, Partial<Record<CalibratedPollutant, number>>>();
  for (const [hour, byField] of [...sums].sort((a, b) => a[0] - b[0])) {
    means.set(hour, Object.fromEntries([...byField].map(([p, a]) => [p, a.sum / a.n])));
  }
  return means;
}

const round1 = (v: number): number => Math.round(v * 10) / 10;
const pct = (v: number | undefined): number => Math.round((v ?? 0) * 100);

/** The reason in both languages, from the figures the rule quotes. */
function explain(c: Calibration, stationName: string): { en: string; zh: string } {
  const f = c.figures;
  switch (c.status) {
    case 'calibrating':
      return c.fit === null && f.hours >= f.minHours
        ? { en: `Calibrating: the readings do not vary enough yet to fit a line against ${stationName}`, zh: `校准中：读数变化太小，尚不能与${stationName}监测站拟合` }
        : { en: `Calibrating: ${f.hours} of the ${f.minHours} hours measured together with ${stationName} that a fit needs`, zh: `校准中：与${stationName}监测站同时测量 ${f.hours} 小时，需 ${f.minHours} 小时` };
    case 'stuck':
      return {
        en: `Stuck: the same reading (${f.repeatedValue}) for ${f.repeatedHours} hours${f.stationMoved === true ? ` while ${stationName}'s changed` : ''}; not corrected until it moves again`,
        zh: `读数卡滞：连续 ${f.repeatedHours} 小时读数相同（${f.repeatedValue}）${f.stationMoved === true ? `，而${stationName}监测站读数在变化` : ''}；恢复前不作校正`,
      };
    case 'drifting':
      return {
        en: `Drifting: the last ${f.recentHours} hours are ${pct(f.recentRelativeError)} % off the line fitted before them against ${stationName}`,
        zh: `传感器漂移：最近 ${f.recentHours} 小时与此前对${stationName}监测站拟合的直线偏差 ${pct(f.recentRelativeError)}%`,
      };
    case 'ok':
      return f.recentHours === undefined
        ? { en: `Calibrated against ${stationName} on ${c.fit?.n ?? f.hours} hours`, zh: `已对${stationName}监测站校准（${c.fit?.n ?? f.hours} 小时）` }
        : {
            en: `Calibrated against ${stationName} on ${c.fit?.n} hours; the last ${f.recentHours} are ${pct(f.recentRelativeError)} % off the line`,
            zh: `已对${stationName}监测站校准（${c.fit?.n} 小时）；最近 ${f.recentHours} 小时偏差 ${pct(f.recentRelativeError)}%`,
          };
  }
}

function showFit(fit: LinearFit | null): PollutantCalibration['fit'] {
  if (fit === null) return null;
  const { fromMs, toMs, ...rest } = fit;
  return { ...rest, slope: Math.round(rest.slope * 1000) / 1000, intercept: round1(rest.intercept), r2: Math.round(rest.r2 * 1000) / 1000, rmse: round1(rest.rmse), from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() };
}

/**
 * One pollutant of one bin against its station: complete hours only (the current hour is still
 * filling), a rolling line on the hours both measured, the last such hour corrected.
 */
export function calibratePollutant(
  pollutant: CalibratedPollutant,
  binHours: ReadonlyMap<number, Partial<Record<CalibratedPollutant, number>>>,
  stationHours: ReadonlyMap<number, number>,
  currentHourMs: number,
  stationName: string | null,
): PollutantCalibration | undefined {
  const sensorSeries: { hourStartMs: number; value: number }[] = [];
  for (const [hour, means] of binHours) {
    const value = means[pollutant];
    if (hour < currentHourMs && value !== undefined) sensorSeries.push({ hourStartMs: hour, value });
  }
  if (sensorSeries.length === 0) return undefined;
  const last = sensorSeries[sensorSeries.length - 1]!;
  if (stationName === null) {
    return {
      pollutant,
      hourStart: new Date(last.hourStartMs).toISOString(),
      raw: round1(last.value),
      corrected: null,
      station: null,
      status: 'no_station',
      fit: null,
      reason: { en: 'No official station measures this nearby: shown as read, uncorrected', zh: '附近没有官方监测站测量此项：按原始读数显示，未校正' },
    };
  }
  const colocated: ColocatedHour[] = sensorSeries.flatMap((s) => {
    const station = stationHours.get(s.hourStartMs);
    return station === undefined ? [] : [{ hourStartMs: s.hourStartMs, sensor: s.value, station }];
  });
  const calibration = calibrate(colocated, sensorSeries.map((s) => s.value));
  const shown = colocated[colocated.length - 1] ?? { hourStartMs: last.hourStartMs, sensor: last.value, station: undefined };
  const trusted = calibration.fit !== null && calibration.status !== 'stuck';
  return {
    pollutant,
    hourStart: new Date(shown.hourStartMs).toISOString(),
    raw: round1(shown.sensor),
    corrected: trusted ? round1(correct(calibration.fit!, shown.sensor)) : null,
    station: shown.station === undefined ? null : round1(shown.station),
    status: calibration.status,
    fit: showFit(calibration.fit),
    reason: explain(calibration, stationName),
  };
}

/** The worst status among a bin's pollutants: what its marker on the map says. */
export function worstStatus(statuses: readonly SensorStatus[]): SensorStatus | null {
  const order: SensorStatus[] = ['stuck', 'drifting', 'calibrating', 'no_station', 'ok'];
  for (const s of order) if (statuses.includes(s)) return s;
  return null;
}
