import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedDevice } from '../../firmware-sim/device-client.js';
import type { DailyReport } from '../../gateway/aqhi/daily-report-schema.js';
import { evaluateConcentrations, HK_2013, HOUR_MS } from '../../rules/aqhi/index.js';
import { startHarness, TEST_PROVISION, type Harness } from '../helpers/gateway-harness.js';
import { waitFor } from '../helpers/wait-for.js';

/*
 * The daily report end to end: an air station publishes over real MQTT while a fake clock walks
 * through a local day in Shanghai (UTC+8, no DST); the report is issued at 01:00 the next day,
 * kept in SQLite, served over REST and CSV, and retained on MQTT; late readings re-issue it.
 */

type Sample = { no2: number; so2: number; o3: number; pm10: number; pm25: number };
const MODERATE: Sample = { no2: 45, so2: 9, o3: 65, pm10: 55, pm25: 32 };
const HIGH: Sample = { no2: 180, so2: 30, o3: 160, pm10: 150, pm25: 110 };

// Local 2026-06-02 runs from 2026-06-01T16:00Z to 2026-06-02T16:00Z.
const DAY_START = Date.UTC(2026, 5, 1, 16);
let nowMs = DAY_START - HOUR_MS; // local 23:00 the day before
const localHour = (i: number): number => DAY_START + i * HOUR_MS;

let h: Harness;
let air: SimulatedDevice;
const clients: MqttClient[] = [];

/** A sample of hour i: moderate air; PM2.5 (not the index's PM term here) climbs by 1 each hour. */
const sampleOf = (i: number): Sample => ({ ...MODERATE, pm25: 30 + i });

async function reading(atMs: number, sample: Sample): Promise<void> {
  await air.telemetry({ ...sample, ts: atMs }, 1);
}

async function retained(topic: string, token: string): Promise<DailyReport> {
  const client = await mqtt.connectAsync(h.mqttUrl, { clientId: `reader-${clients.length}`, username: 'token', password: token, reconnectPeriod: 0 });
  clients.push(client);
  let last: DailyReport | undefined;
  client.on('message', (t, payload) => {
    if (t === topic) last = JSON.parse(payload.toString()) as DailyReport;
  });
  await client.subscribeAsync(topic, { qos: 1 });
  return waitFor(`a retained message on ${topic}`, () => last);
}

/** The HK index of the 3-hour means, as rules/aqhi computes it (checked against EPD in the HK suite). */
const bandOf = (...samples: Sample[]): number => {
  const mean = (k: keyof Sample): number => samples.reduce((a, s) => a + s[k], 0) / samples.length;
  return evaluateConcentrations(HK_2013, { no2: mean('no2'), so2: mean('so2'), o3: mean('o3'), pm10: mean('pm10'), pm25: mean('pm25') }).value!;
};

beforeAll(async () => {
  h = await startHarness({ now: () => nowMs, provision: TEST_PROVISION });
  air = await h.device('air-01');
  // Local 23:30 the day before: a polluted hour that belongs to 2026-06-01, not to the day reported.
  nowMs = DAY_START - HOUR_MS / 2;
  await reading(nowMs, HIGH);
  // Readings in 18 of the 24 hours (local 00:00-17:59), two an hour.
  for (let i = 0; i < 18; i++) {
    nowMs = localHour(i);
    await h.gateway.aqhi.tick(nowMs);
    await reading(nowMs + 10 * 60_000, sampleOf(i));
    await reading(nowMs + 40 * 60_000, sampleOf(i));
  }
  for (let i = 18; i <= 24; i++) await h.gateway.aqhi.tick(localHour(i));
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await h?.dispose();
});

describe('the daily report', () => {
  let first: DailyReport;

  it('is not issued before the configured local time', async () => {
    nowMs = localHour(24) + 30 * 60_000; // local 00:30 the day after
    await h.gateway.aqhiReports.daily.issueDue(nowMs);
    const res = await h.api('GET', '/api/aqhi/s1/daily?days=7', undefined, null);
    expect(res.status).toBe(200);
    expect(res.body.reports.map((r: DailyReport) => r.date)).not.toContain('2026-06-02');
  });

  it('is issued at 01:00 with the figures of the local day', async () => {
    nowMs = localHour(25); // local 01:00
    const issued = await h.gateway.aqhiReports.daily.issueDue(nowMs);
    expect(issued.map((r) => `${r.scope}:${r.stationId ?? r.district}@${r.date}`).sort()).toEqual(['district:d1@2026-06-02', 'station:s1@2026-06-02']);
    const res = await h.api('GET', '/api/aqhi/s1/daily?days=7', undefined, null);
    first = res.body.reports[0];
    // The first hour's window holds the 23:00 hour of the day before: high and moderate averaged;
    // the second hour one high hour in three; from the third on, moderate air only.
    const b0 = bandOf(HIGH, MODERATE);
    const b1 = bandOf(HIGH, MODERATE, MODERATE);
    const bm = bandOf(MODERATE);
    expect(b0).toBeGreaterThan(bm);
    expect(first).toMatchObject({ date: '2026-06-02', timeZone: 'Asia/Shanghai', from: '2026-06-01T16:00:00.000Z', to: '2026-06-02T16:00:00.000Z' });
    expect(first).toMatchObject({ max: b0, min: bm, revision: 1, issuedAt: new Date(localHour(25)).toISOString() });
    expect(first.mean).toBeCloseTo((b0 + b1 + 16 * bm) / 18, 2);
    const byBand: Record<string, number> = {};
    for (const b of [b0, b1, ...Array<number>(16).fill(bm)]) byBand[b] = (byBand[b] ?? 0) + 1;
    expect(first.hoursByBand).toEqual(byBand);
    expect(first.bands.max?.band).toBe(b0);
    // The 23:30 reading (PM2.5 110) is the day before's: the day's PM2.5 runs 30..47, mean 38.5.
    expect(first.pollutants.pm25).toMatchObject({ mean: 38.5, max: 47, hours: 18 });
    expect(first.pollutants.pm25!.limits).toEqual([expect.objectContaining({ windowHours: 24, value: 50, exceedances: 0, comparedHours: 1 })]);
    expect(first.pollutants.no2).toMatchObject({ mean: 45, max: 45, hours: 18 });
    expect(first.dominant?.pollutant).toEqual(expect.any(String));
    // 18 of 24 hours: incomplete.
    expect(first).toMatchObject({ hoursCounted: 18, hoursExpected: 24, hoursRequired: 20, completeness: 0.75, incomplete: true });
  });

  it('is the same for the district, and retained on MQTT', async () => {
    const district = await h.api('GET', '/api/aqhi/daily?district=d1&days=7', undefined, null);
    expect(district.status).toBe(200);
    expect(district.body.reports[0]).toMatchObject({ scope: 'district', district: 'd1', name: 'Fuxing Lane', max: first.max, mean: first.mean, hoursCounted: 18 });
    const token = (await h.api('POST', '/api/tokens', { role: 'bureau' })).body.token as string;
    expect(await retained('feeds/aqhi/s1/daily', token)).toEqual(first);
  });

  it('is exported as CSV', async () => {
    const csv = await h.api('GET', '/api/aqhi/s1/daily.csv?days=7', undefined, null);
    expect(csv.status).toBe(200);
    const [header, row] = (csv.body as string).trim().split('\r\n');
    const cells = Object.fromEntries(header!.split(',').map((k, i) => [k, row!.split(',')[i]]));
    expect(cells).toMatchObject({ date: '2026-06-02', revision: '1', incomplete: 'true', hours_counted: '18', pm25_mean: '38.5' });
    const json = (await h.api('GET', '/api/aqhi/s1/history?hours=30', undefined, null)).body.points as { time: string; value: number | null }[];
    const lines = ((await h.api('GET', '/api/aqhi/s1/history.csv?hours=30', undefined, null)).body as string).trim().split('\r\n');
    expect(lines[0]).toMatch(/^station,hour_start,hour_end,value,/);
    // Every stored hour, the hour of the day before's 23:30 reading included.
    expect(lines.slice(1).map((l) => l.split(',').slice(2, 4).join(' '))).toEqual(json.map((p) => `${p.time} ${p.value ?? ""}`));
    expect(json).toHaveLength(26);
  });

  it('is re-issued as revision 2 when late readings arrive, and the retained message follows', async () => {
    nowMs = localHour(25) + 20 * 60_000;
    // A logger that was offline sends its buffer: local 18:00-21:59 of the reported day.
    for (let i = 18; i < 22; i++) await reading(localHour(i) + 10 * 60_000, sampleOf(i));
    // The gateway re-issues by itself once the late data settles.
    const second = await waitFor('revision 2', async () => {
      const res = await h.api('GET', '/api/aqhi/s1/daily?days=7', undefined, null);
      const r = res.body.reports[0] as DailyReport;
      return r.revision === 2 ? r : undefined;
    });
    expect(second).toMatchObject({ date: '2026-06-02', hoursCounted: 22, completeness: 0.92, incomplete: false, issuedAt: new Date(nowMs).toISOString() });
    const district = await h.api('GET', '/api/aqhi/daily?district=d1&days=1', undefined, null);
    expect(district.body.reports[0]).toMatchObject({ revision: 2, hoursCounted: 22 });
    // (30 + … + 51) / 22 = 40.5
    expect(second.pollutants.pm25).toMatchObject({ mean: 40.5, max: 51, hours: 22 });
    const token = (await h.api('POST', '/api/tokens', { role: 'bureau' })).body.token as string;
    expect(await retained('feeds/aqhi/s1/daily', token)).toEqual(second);
    // Nothing new: no third revision.
    expect(await h.gateway.aqhiReports.daily.reissueChanged(nowMs)).toEqual([]);
  });

  it('survives a restart: revisions kept, the day not issued again', async () => {
    const dataDir = h.dataDir;
    await h.stop();
    h = await startHarness({ now: () => nowMs, provision: TEST_PROVISION, dataDir });
    const res = await h.api('GET', '/api/aqhi/s1/daily?days=7', undefined, null);
    expect(res.body.reports[0]).toMatchObject({ date: '2026-06-02', revision: 2 });
    expect(await h.gateway.aqhiReports.daily.issueDue(nowMs)).toEqual([]);
  });
});
