import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distanceM } from '../../firmware-sim/geo.js';
import type { BraceletValues } from '../../sensors/index.js';
import { DAY_MS, localTime, MINUTE_MS } from '../../firmware-sim/local-time.js';
import { startSimGateway, shanghai, type SimGateway } from './sim-gateway.js';

type StoredBraceletReading = BraceletValues & { ts: number };

const MIDNIGHT = shanghai('2026-11-23T00:00:00');
const hourOf = (r: StoredBraceletReading): number => localTime(r.ts, 'Asia/Shanghai').minuteOfDay / 60;
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('a simulated bracelet through a real gateway: one day of Wang Shulan (r3)', () => {
  let sim: SimGateway;
  let readings: StoredBraceletReading[];
  let home: { lat: number; lon: number; radiusM: number };

  beforeAll(async () => {
    sim = await startSimGateway({ startMs: MIDNIGHT, deviceIds: ['b-0003'] });
    home = sim.provision.residents.find((r) => r.id === 'r3')!.home!;
    await sim.run(DAY_MS, 10 * MINUTE_MS);
    const response = await sim.harness.api('GET', `/api/devices/b-0003/readings?from=${MIDNIGHT}&to=${MIDNIGHT + DAY_MS}&limit=10000`);
    expect(response.status).toBe(200);
    readings = response.body.readings as StoredBraceletReading[];
  }, 120_000);
  afterAll(async () => {
    await sim?.dispose();
  });

  it('reports once a simulated minute, all of it accepted by the gateway', () => {
    expect(readings.length).toBeGreaterThanOrEqual(1430);
    expect(readings.length).toBeLessThanOrEqual(1441);
  });

  it('sleeps at night: worn, with little motion and a lower heart rate than by day', () => {
    const night = readings.filter((r) => hourOf(r) >= 0.5 && hourOf(r) < 5);
    const day = readings.filter((r) => hourOf(r) >= 8 && hourOf(r) < 19 && r.worn === true);
    expect(night.every((r) => r.worn === true)).toBe(true);
    expect(mean(night.map((r) => r.motion!))).toBeLessThan(0.06);
    expect(mean(day.map((r) => r.motion!))).toBeGreaterThan(0.2);
    expect(mean(night.map((r) => r.hr!))).toBeLessThan(mean(day.map((r) => r.hr!)) - 5);
  });

  it('walks out of the home geofence and comes back', () => {
    const outside = (r: StoredBraceletReading): boolean => distanceM(home, { lat: r.lat!, lon: r.lon! }) - (r.acc ?? 0) > home.radiusM;
    const out = readings.filter(outside);
    expect(out.length).toBeGreaterThan(30);
    // Only in the daytime, and home again for the night.
    expect(out.every((r) => hourOf(r) > 5 && hourOf(r) < 21)).toBe(true);
    expect(readings.filter((r) => hourOf(r) > 22).every((r) => !outside(r))).toBe(true);
    // Several outings: morning exercise, after dinner, perhaps the market.
    const outings = out.filter((r, i) => i === 0 || r.ts - out[i - 1]!.ts > 5 * MINUTE_MS);
    expect(outings.length).toBeGreaterThanOrEqual(2);
  });

  it('keeps heart rate, blood pressure and SpO2 in plausible ranges for this resident (hypertension)', () => {
    const worn = readings.filter((r) => r.worn === true);
    expect(worn.every((r) => r.hr! >= 45 && r.hr! <= 125)).toBe(true);
    const bp = readings.filter((r) => r.sbp !== undefined);
    expect(bp.length).toBeGreaterThanOrEqual(40); // every half hour while worn
    expect(bp.every((r) => r.sbp! >= 110 && r.sbp! < 180 && r.dbp! >= 60 && r.dbp! < 110 && r.dbp! < r.sbp!)).toBe(true);
    expect(mean(bp.map((r) => r.sbp!))).toBeGreaterThan(128); // hypertensive, treated
    expect(readings.filter((r) => r.spo2 !== undefined).every((r) => r.spo2! >= 94 && r.spo2! <= 100)).toBe(true);
  });

  it('counts steps from local midnight', () => {
    const steps = readings.map((r) => r.steps!);
    for (let i = 1; i < steps.length; i++) expect(steps[i]!).toBeGreaterThanOrEqual(steps[i - 1]!);
    expect(steps[steps.length - 1]!).toBeGreaterThan(4000);
    expect(steps[0]!).toBeLessThan(50);
  });

  it('drains its battery by day and charges off the wrist in the evening', () => {
    const charging = readings.filter((r) => r.worn === false);
    expect(charging.length).toBeGreaterThan(20);
    expect(charging.every((r) => hourOf(r) >= 19 && hourOf(r) < 23)).toBe(true);
    const firstOff = readings.indexOf(charging[0]!);
    const lastOff = readings.indexOf(charging[charging.length - 1]!);
    const morning = readings.find((r) => hourOf(r) >= 7)!;
    const beforeCharging = readings[firstOff - 1]!;
    expect(beforeCharging.bat!).toBeLessThan(morning.bat! - 20);
    expect(readings[lastOff]!.bat!).toBeGreaterThan(beforeCharging.bat! + 30);
    // Off the wrist the optical sensor reads nothing.
    expect(charging.every((r) => r.hr === undefined && r.motion === 0)).toBe(true);
  });

  it('is an ordinary day: the gateway raises no alert about her', async () => {
    // (The AED cabinets of the community are not simulated here; the gateway rightly misses them.)
    expect((await sim.alerts()).filter((a) => a.subject === 'r3')).toEqual([]);
  });
});
