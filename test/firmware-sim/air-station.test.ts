import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AirStationModel } from '../../firmware-sim/air-station-model.js';
import { DAY_MS, localTime, MINUTE_MS } from '../../firmware-sim/local-time.js';
import { TELEMETRY_FIELDS, type AirValues } from '../../sensors/index.js';
import { startSimGateway, shanghai, type SimGateway } from './sim-gateway.js';

const MIDNIGHT = shanghai('2026-11-24T00:00:00');
type Stored = Required<AirValues> & { ts: number };
const hourOf = (ts: number): number => localTime(ts, 'Asia/Shanghai').minuteOfDay / 60;
const meanOf = (rows: Stored[], field: keyof AirValues, fromHour: number, toHour: number): number => {
  const xs = rows.filter((r) => hourOf(r.ts) >= fromHour && hourOf(r.ts) < toHour).map((r) => r[field]);
  return xs.reduce((a, b) => a + b, 0) / xs.length;
};

function expectDiurnalPattern(rows: Stored[]): void {
  const night = meanOf(rows, 'no2', 2, 4);
  const morningRush = meanOf(rows, 'no2', 7.5, 8.5);
  const eveningRush = meanOf(rows, 'no2', 18, 19);
  const midday = meanOf(rows, 'no2', 12, 14);
  expect(morningRush).toBeGreaterThan(2 * night);
  expect(morningRush).toBeGreaterThan(1.5 * midday);
  expect(eveningRush).toBeGreaterThan(1.5 * midday);
  // Ozone builds with the sun and peaks in the afternoon, not at the rush hour.
  expect(meanOf(rows, 'o3', 13.5, 15.5)).toBeGreaterThan(1.5 * meanOf(rows, 'o3', 7.5, 8.5));
}

describe('a simulated air station', () => {
  let sim: SimGateway;
  let rows: Stored[];

  beforeAll(async () => {
    sim = await startSimGateway({ startMs: MIDNIGHT, deviceIds: ['air-01'] });
    await sim.run(DAY_MS, 30 * MINUTE_MS);
    const response = await sim.harness.api('GET', `/api/devices/air-01/readings?from=${MIDNIGHT}&to=${MIDNIGHT + DAY_MS}&limit=10000`);
    rows = response.body.readings as Stored[];
  }, 60_000);
  afterAll(async () => {
    await sim?.dispose();
  });

  it('reports every five simulated minutes, every value inside the kind’s ranges (sensors/kinds.ts)', () => {
    expect(rows.length).toBeGreaterThanOrEqual(287);
    const fields = TELEMETRY_FIELDS.air;
    for (const row of rows) {
      for (const [field, spec] of Object.entries(fields)) {
        const value = row[field as keyof AirValues];
        expect(typeof value, field).toBe('number');
        expect(value, field).toBeGreaterThanOrEqual(spec.min);
        expect(value, field).toBeLessThanOrEqual(spec.max);
      }
      // Coarse particles include the fine ones.
      expect(row.pm10).toBeGreaterThan(row.pm25);
    }
  });

  it('shows the NO2 rush-hour peaks and the afternoon ozone maximum, as stored by the gateway', () => {
    expectDiurnalPattern(rows);
  });

  it('has the same daily shape for other stations and seeds', () => {
    for (const seed of ['a', 'b', 'c', 'd']) {
      const model = new AirStationModel({ deviceId: `air-${seed}`, timeZone: 'Asia/Shanghai', seed, startMs: MIDNIGHT, episodeChancePerDay: 0 });
      const samples: Stored[] = [];
      for (let t = MIDNIGHT; t < MIDNIGHT + DAY_MS; t += 5 * MINUTE_MS) samples.push(model.sample(t)[0]!.body as Stored);
      expectDiurnalPattern(samples);
    }
  });

  it('is the same station on every run with the same seed', () => {
    const run = (): unknown[] => {
      const model = new AirStationModel({ deviceId: 'air-01', timeZone: 'Asia/Shanghai', seed: 'same', startMs: MIDNIGHT });
      return Array.from({ length: 50 }, (_, i) => model.sample(MIDNIGHT + i * 5 * MINUTE_MS));
    };
    expect(run()).toEqual(run());
  });
});
