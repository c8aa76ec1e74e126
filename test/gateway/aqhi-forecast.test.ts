import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedDevice } from '../../firmware-sim/device-client.js';
import type { ForecastBody } from '../../gateway/aqhi/forecast-schema.js';
import { evaluateConcentrations, HK_2013, HOUR_MS } from '../../rules/aqhi/index.js';
import { startHarness, TEST_PROVISION, type Harness } from '../helpers/gateway-harness.js';
import { waitFor } from '../helpers/wait-for.js';

/*
 * The forecast end to end: a station with two days of history over real MQTT and a fake clock
 * shows persistence, labelled, with its skill scored from the forecasts kept each hour; an
 * official forecast from the bureau wins until it expires; the retained topic follows.
 */

type Sample = { no2: number; so2: number; o3: number; pm10: number; pm25: number };
const MODERATE: Sample = { no2: 45, so2: 9, o3: 65, pm10: 55, pm25: 32 };
const HIGH: Sample = { no2: 180, so2: 30, o3: 160, pm10: 150, pm25: 110 };
const LOW: Sample = { no2: 15, so2: 4, o3: 30, pm10: 20, pm25: 12 };

const T0 = Date.UTC(2026, 5, 1, 0);
let nowMs = T0;
let h: Harness;
let air: SimulatedDevice;
const clients: MqttClient[] = [];

/** Two days: moderate, an episode each afternoon, clean nights. */
const sampleAt = (i: number): Sample => (i % 24 >= 6 && i % 24 < 9 ? HIGH : i % 24 < 4 ? LOW : MODERATE);
const HOURS = 48;

async function forecast(): Promise<ForecastBody> {
  const res = await h.api('GET', '/api/aqhi/s1/forecast', undefined, null);
  expect(res.status).toBe(200);
  return res.body as ForecastBody;
}

async function retainedForecast(token: string, want: (f: ForecastBody) => boolean): Promise<ForecastBody> {
  const client = await mqtt.connectAsync(h.mqttUrl, { clientId: `forecast-reader-${clients.length}`, username: 'token', password: token, reconnectPeriod: 0 });
  clients.push(client);
  let last: ForecastBody | undefined;
  client.on('message', (_t, payload) => {
    last = JSON.parse(payload.toString()) as ForecastBody;
  });
  await client.subscribeAsync('feeds/aqhi/s1/forecast', { qos: 1 });
  return waitFor('the retained forecast', () => (last !== undefined && want(last) ? last : undefined));
}

beforeAll(async () => {
  h = await startHarness({ now: () => nowMs, provision: TEST_PROVISION });
  air = await h.device('air-01');
  for (let i = 0; i < HOURS; i++) {
    nowMs = T0 + i * HOUR_MS;
    await h.gateway.aqhi.tick(nowMs);
    await air.telemetry({ ...sampleAt(i), ts: nowMs + 20 * 60_000 }, 1);
  }
  nowMs = T0 + HOURS * HOUR_MS;
  await h.gateway.aqhi.tick(nowMs);
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await h?.dispose();
});

describe('the forecast', () => {
  it('with two days of history is persistence, labelled, and says why', async () => {
    const f = await forecast();
    const history = (await h.api('GET', '/api/aqhi/s1/history?hours=2', undefined, null)).body.points as { hourStartMs: number; value: number }[];
    const last = history.find((p) => p.hourStartMs === nowMs - HOUR_MS)!;
    expect(f).toMatchObject({ stationId: 's1', name: 'Riverside', source: 'persistence', issuer: null, model: null, basedOn: new Date(nowMs - HOUR_MS).toISOString() });
    expect(f.reason).toMatch(/too little history/);
    expect(f.hours).toHaveLength(24);
    expect(f.hours[0]!.at).toBe(new Date(nowMs).toISOString());
    expect(new Set(f.hours.map((x) => x.index))).toEqual(new Set([last.value]));
    expect(f.tomorrow).toMatchObject({ date: '2026-06-04', band: last.value });
  });

  it('publishes persistence’s skill, scored against what happened', async () => {
    const f = await forecast();
    const points = (await h.api('GET', '/api/aqhi/s1/history?hours=60', undefined, null)).body.points as { hourStartMs: number; value: number | null; provisional: boolean }[];
    const value = new Map(points.filter((p) => p.value !== null && !p.provisional).map((p) => [p.hourStartMs, p.value as number]));
    // Each tick at hour H kept "as at H − 1" for H − 1 + lead; scored where that hour has a final value.
    for (const lead of [1, 6, 24]) {
      const errors: number[] = [];
      for (let i = 1; i <= HOURS; i++) {
        const from = value.get(T0 + (i - 1) * HOUR_MS);
        const actual = value.get(T0 + (i - 1 + lead) * HOUR_MS);
        if (from !== undefined && actual !== undefined) errors.push(Math.abs(actual - from));
      }
      const skill = f.skill[`h${lead}` as 'h1'];
      expect(skill.persistenceN).toBe(errors.length);
      expect(skill.persistenceMae).toBeCloseTo(errors.reduce((a, b) => a + b, 0) / errors.length, 3);
      expect(skill).toMatchObject({ n: 0, mae: null });
    }
    expect(f.skill.h1.persistenceN).toBeGreaterThan(40);
  });

  it('an official forecast wins until it expires, labelled with its issuer', async () => {
    const bureau = (await h.api('POST', '/api/tokens', { role: 'bureau' })).body.token as string;
    const worker = (await h.api('POST', '/api/tokens', { role: 'worker', subject: 'w1' })).body.token as string;
    const body = {
      hours: [
        { at: new Date(nowMs + HOUR_MS).toISOString(), pollutants: HIGH },
        { at: new Date(nowMs + 2 * HOUR_MS).toISOString(), band: 8 },
      ],
      tomorrow: { band: 7 },
      validUntil: new Date(nowMs + 3 * HOUR_MS).toISOString(),
      note: 'regional haze',
    };
    expect((await h.api('PUT', '/api/aqhi/s1/forecast', body, worker)).status).toBe(403);
    const stale = await h.api('PUT', '/api/aqhi/s1/forecast', { ...body, validUntil: new Date(nowMs - 1).toISOString() }, bureau);
    expect(stale).toMatchObject({ status: 400, body: { error: 'GW_ERR_AQHI_FORECAST_INVALID' } });
    const notADate = await h.api('PUT', '/api/aqhi/s1/forecast', { ...body, validUntil: 'tomorrow evening' }, bureau);
    expect(notADate.status).toBe(400);
    expect(JSON.stringify(notADate.body)).toContain('validUntil');
    const put = await h.api('PUT', '/api/aqhi/s1/forecast', body, bureau);
    expect(put.status).toBe(200);

    const f = await forecast();
    const high = evaluateConcentrations(HK_2013, HIGH);
    expect(f).toMatchObject({ source: 'official', issuer: { role: 'bureau' }, validUntil: body.validUntil, note: 'regional haze', reason: null });
    expect(f.hours).toEqual([
      expect.objectContaining({ at: body.hours[0]!.at, index: high.value, band: high.band }),
      expect.objectContaining({ at: body.hours[1]!.at, band: 8, category: expect.objectContaining({ id: 'very-high' }) }),
    ]);
    expect(f.tomorrow).toMatchObject({ band: 7 });
    expect(await retainedForecast(bureau, (x) => x.source === 'official')).toMatchObject({ source: 'official', issuer: { role: 'bureau' } });

    // Two hours on it still holds; past validUntil the station's own forecast is back.
    nowMs += 2 * HOUR_MS;
    await h.gateway.aqhi.tick(nowMs);
    expect((await forecast()).source).toBe('official');
    nowMs += HOUR_MS;
    await h.gateway.aqhi.tick(nowMs);
    expect(await forecast()).toMatchObject({ source: 'persistence', issuer: null, validUntil: null });
    expect((await retainedForecast(bureau, (x) => x.source === 'persistence')).source).toBe('persistence');
  });
});
