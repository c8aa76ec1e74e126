import { describe, expect, it } from 'vitest';
import { calibrate, correct, fitLine, HOUR_MS, type ColocatedHour } from '../../../rules/aqhi/index.js';
import { seededRandom } from '../../../firmware-sim/seeded-random.js';

const T0 = Date.UTC(2026, 5, 1);

/** The station's PM2.5 over a day and a half, with a daily cycle. */
const stationAt = (i: number): number => 35 + 20 * Math.sin((i / 24) * 2 * Math.PI);

describe('a neighbourhood sensor against the nearest station', () => {
  it('reading 1.6 × the station’s PM2.5 + 5 µg/m³ is corrected to within 10 %', () => {
    const rng = seededRandom('bin-calibration');
    const hours: ColocatedHour[] = Array.from({ length: 48 }, (_, i) => {
      const station = stationAt(i);
      return { hourStartMs: T0 + i * HOUR_MS, station, sensor: (1.6 * station + 5) * (1 + rng.normal(0, 0.03)) };
    });
    const c = calibrate(hours, hours.map((h) => h.sensor));
    expect(c.status).toBe('ok');
    expect(c.fit!.slope).toBeCloseTo(1 / 1.6, 1);
    expect(c.fit!.r2).toBeGreaterThan(0.9);
    // New hours the line was not fitted on: each corrected value within 10 % of the station's.
    for (let i = 48; i < 72; i++) {
      const station = stationAt(i);
      const raw = 1.6 * station + 5;
      expect(Math.abs(raw - station) / station).toBeGreaterThan(0.5);
      expect(Math.abs(correct(c.fit!, raw) - station) / station).toBeLessThan(0.1);
    }
  });

  it('is fitted exactly on a clean line', () => {
    const hours = [10, 20, 30].map((station, i) => ({ hourStartMs: T0 + i * HOUR_MS, station, sensor: 1.6 * station + 5 }));
    expect(fitLine(hours)).toMatchObject({ slope: 0.625, intercept: -3.125, r2: 1, n: 3, rmse: 0 });
  });

  it('a stuck sensor is flagged', () => {
    const hours: ColocatedHour[] = Array.from({ length: 40 }, (_, i) => ({ hourStartMs: T0 + i * HOUR_MS, station: stationAt(i), sensor: i < 32 ? 1.6 * stationAt(i) + 5 : 42 }));
    const c = calibrate(hours, hours.map((h) => h.sensor));
    expect(c.status).toBe('stuck');
    expect(c.reason).toMatch(/the same reading \(42\) for 6 hours while the station’s changed/);
  });

  it('a sensor whose response drifts away from its line is flagged', () => {
    // Its gain creeps up over the last 12 hours: from 1.6 to 2.6.
    const hours: ColocatedHour[] = Array.from({ length: 60 }, (_, i) => {
      const gain = i < 48 ? 1.6 : 1.6 + (i - 47) / 12;
      return { hourStartMs: T0 + i * HOUR_MS, station: stationAt(i), sensor: gain * stationAt(i) + 5 };
    });
    const c = calibrate(hours, hours.map((h) => h.sensor));
    expect(c.status).toBe('drifting');
    expect(c.fit!.slope).toBeCloseTo(0.625, 6);
  });

  it('with a day of hours it is still calibrating', () => {
    const hours = Array.from({ length: 10 }, (_, i) => ({ hourStartMs: T0 + i * HOUR_MS, station: stationAt(i), sensor: stationAt(i) }));
    expect(calibrate(hours, hours.map((h) => h.sensor))).toMatchObject({ status: 'calibrating', fit: null });
  });
});
