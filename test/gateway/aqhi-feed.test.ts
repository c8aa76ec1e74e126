import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import type { SimulatedDevice } from '../../firmware-sim/device-client.js';
import type { StationIndex } from '../../gateway/aqhi/feed-schema.js';
import { selectAqhiProfile } from '../../gateway/aqhi/profile-selection.js';
import { buildGateway } from '../../gateway/build-gateway.js';
import { loadConfig } from '../../gateway/config/config.js';
import { createLogger } from '../../gateway/logger.js';
import { evaluateConcentrations, HK_2013, HOUR_MS, type IndexResult } from '../../rules/aqhi/index.js';
import { TEST_PROVISION, makeDataDir, startHarness, type Harness } from '../helpers/gateway-harness.js';
import { waitFor } from '../helpers/wait-for.js';

/*
 * The AQHI feed end to end: a simulated air station publishes over real MQTT while a fake clock
 * steps through the hours; the REST feed, the history, the SSE stream and the retained MQTT topic
 * must say what the pure engine says for the same inputs, across a restart.
 */

const T0 = Date.UTC(2026, 5, 1, 0, 0, 0); // an hour boundary
let nowMs = T0;
const clock = (): number => nowMs;
const PROVISION = { ...TEST_PROVISION, stations: [...TEST_PROVISION.stations, { id: 's2', name: 'Hillside', lat: 30.28, lon: 120.17, district: 'd2' }] };

type Sample = { no2: number; so2: number; o3: number; pm10: number; pm25: number };
const POLLUTANTS = ['no2', 'so2', 'o3', 'pm10', 'pm25'] as const;
const MODERATE: Sample = { no2: 45, so2: 9, o3: 65, pm10: 55, pm25: 32 };
const HIGH: Sample = { no2: 180, so2: 30, o3: 160, pm10: 150, pm25: 110 };
const LOW: Sample = { no2: 15, so2: 4, o3: 30, pm10: 20, pm25: 12 };
const scaled = (s: Sample, f: number): Sample => Object.fromEntries(POLLUTANTS.map((p) => [p, Math.round(s[p] * f * 10) / 10])) as Sample;
/** A day, two readings an hour: moderate air, a pollution episode, clean air, then moderate again. */
const DAY: Sample[] = [MODERATE, MODERATE, MODERATE, HIGH, HIGH, LOW, LOW, LOW, ...Array<Sample>(16).fill(MODERATE)];
const SERIES: Sample[][] = DAY.map((s, i) => [scaled(s, 1 + (i % 5) / 20), scaled(s, 0.9)]);

/** What rules/aqhi computes from the same samples: 3-hour means of hourly means, at least 2 valid hours. */
const samplesByHour = new Map<number, Sample[]>();
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
function expectedAt(hour: number): { result: IndexResult; validHours: number } {
  const hours = [hour - 2, hour - 1, hour].filter((h) => samplesByHour.has(h));
  const means: Record<string, number> = {};
  if (hours.length >= 2) for (const p of POLLUTANTS) means[p] = mean(hours.map((h) => mean(samplesByHour.get(h)!.map((s) => s[p]))));
  return { result: evaluateConcentrations(HK_2013, means), validHours: hours.length };
}

const iso = (ms: number): string => new Date(ms).toISOString();

let h: Harness;
let air: SimulatedDevice;
let currentHour = 0;
const highEvents: { stationId: string; high: boolean; value: number | null }[] = [];
const expectedHighEvents: { stationId: string; high: boolean; value: number | null }[] = [];
let modelHigh = false;

function listenForHighChanges(harness: Harness): void {
  harness.gateway.aqhi.events.on('highChanged', (stationId, change) => highEvents.push({ stationId, high: change.high, value: change.update.value }));
}

/** The service's high-band rule, on the model: only a non-null current value moves the state. */
function expectHighTransition(): void {
  const { result } = expectedAt(currentHour);
  if (result.value === null || result.high === modelHigh) return;
  modelHigh = result.high;
  expectedHighEvents.push({ stationId: 's1', high: result.high, value: result.value });
}

/** What the hourly timer does at a boundary; the test calls it with the fake clock instead. */
async function startHour(hour: number): Promise<void> {
  currentHour = hour;
  nowMs = T0 + hour * HOUR_MS;
  await h.gateway.aqhi.tick(nowMs);
  expectHighTransition();
}

async function publishHour(hour: number, samples: Sample[]): Promise<void> {
  for (const [i, sample] of samples.entries()) {
    nowMs = T0 + hour * HOUR_MS + (10 + 20 * i) * 60_000;
    // QoS 1: the PUBACK comes after the gateway has taken the reading, so the index is already updated.
    await air.telemetry(sample, 1);
    samplesByHour.set(hour, [...(samplesByHour.get(hour) ?? []), sample]);
    expectHighTransition();
  }
}

async function feed(harness = h): Promise<{ stations: StationIndex[]; profile: { name: string; version: string } }> {
  const res = await harness.api('GET', '/api/aqhi', undefined, null);
  expect(res.status).toBe(200);
  return res.body;
}

async function s1(harness = h): Promise<StationIndex> {
  return (await feed(harness)).stations.find((s) => s.stationId === 's1')!;
}

function expectMatchesEngine(entry: StationIndex, hour: number): void {
  const { result, validHours } = expectedAt(hour);
  expect(entry.hourStartMs).toBe(T0 + hour * HOUR_MS);
  expect(entry.time).toBe(iso(T0 + (hour + 1) * HOUR_MS));
  expect(entry.window).toEqual({ hours: 3, start: iso(T0 + (hour - 2) * HOUR_MS), end: iso(T0 + (hour + 1) * HOUR_MS) });
  expect(entry.profile).toEqual({ name: 'hk', version: '2013', status: 'verified' });
  if (validHours < 2) {
    expect(entry.value).toBeNull();
    expect(entry.nullReason).toEqual(expect.any(String));
    expect(entry.missing.map((m) => m.pollutant).sort()).toEqual([...POLLUTANTS].sort());
    expect(entry.missing.every((m) => m.reason === 'too-few-hours' && m.validHours === validHours && m.requiredHours === 2)).toBe(true);
    return;
  }
  expect(entry.value).toBe(result.value);
  expect(entry.display).toBe(result.display);
  expect(entry.band).toBe(result.band);
  expect(entry.high).toBe(result.high);
  expect(entry.category?.id).toBe(result.categoryId);
  expect(entry.addedRiskPct).toBeCloseTo(result.addedRiskPct!, 9);
  expect(entry.pollutantsUsed).toEqual(result.pollutantsUsed);
  expect(entry.missing).toEqual([]);
  expect(entry.complete).toBe(true);
  expect(entry.contributions).toHaveLength(result.contributions.length);
  for (const want of result.contributions) {
    const got = entry.contributions.find((c) => c.term === want.term)!;
    expect(got).toMatchObject({ pollutant: want.pollutant, unit: want.unit, kind: want.kind, counted: want.counted, windowHours: 3, validHours });
    expect(got.inputMean).toBeCloseTo(want.inputMean, 9);
    expect(got.value).toBeCloseTo(want.value, 9);
  }
  for (const text of [entry.advice!.generalPublic, entry.advice!.heartOrRespiratory, entry.advice!.elderly, entry.advice!.children, entry.advice!.outdoorWorkers]) {
    expect(text.zh.length).toBeGreaterThan(0);
    expect(text.en.length).toBeGreaterThan(0);
  }
}

/** Reads an SSE stream over real HTTP, collecting its events. */
function openEventStream(url: string) {
  const events: { event: string; id?: string; data: unknown }[] = [];
  const abort = new AbortController();
  const done = (async () => {
    const response = await fetch(url, { signal: abort.signal });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body!) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = Object.fromEntries(block.split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]));
        if (fields.data !== undefined) events.push({ event: fields.event ?? 'message', ...(fields.id ? { id: fields.id } : {}), data: JSON.parse(fields.data) });
      }
    }
  })().catch((err: unknown) => {
    if ((err as Error).name !== 'AbortError') throw err;
  });
  return { events, close: () => abort.abort(), done };
}

async function appClient(harness: Harness, clientId: string, token: string): Promise<MqttClient> {
  return mqtt.connectAsync(harness.mqttUrl, { clientId, username: 'token', password: token, reconnectPeriod: 0, connectTimeout: 5_000 });
}

/** Granted QoS per filter; mqtt.js rejects a SUBACK holding a failure code, with the packet attached. */
async function suback(client: MqttClient, filters: string[]): Promise<number[]> {
  return client.subscribeAsync(filters, { qos: 1 }).then(
    (granted) => granted.map((g) => g.qos),
    (err: { packet?: { granted: number[] } }) => err.packet!.granted,
  );
}

async function issueToken(role: string, subject?: string): Promise<string> {
  const res = await h.api('POST', '/api/tokens', { role, ...(subject ? { subject } : {}) });
  expect(res.status).toBe(201);
  return res.body.token as string;
}

const openClients: MqttClient[] = [];
let stream: ReturnType<typeof openEventStream>;

beforeAll(async () => {
  h = await startHarness({ provision: PROVISION, now: clock });
  listenForHighChanges(h);
  air = await h.device('air-01');
});

afterAll(async () => {
  stream?.close();
  await Promise.all(openClients.map((c) => c.endAsync(true).catch(() => undefined)));
  await h.dispose();
});

describe('the AQHI feed over REST, SSE and MQTT', () => {
  it('lists every registered station, with a null value and the reason before any reading', async () => {
    const body = await feed();
    expect(body.profile).toMatchObject({ name: 'hk', version: '2013' });
    expect(body.stations.map((s) => s.stationId)).toEqual(['s1', 's2']);
    for (const entry of body.stations) {
      expect(entry).toMatchObject({ value: null, nullReason: 'no reading from this station yet', stale: false, lastReadingAt: null, high: false });
    }
    expect(body.stations[0]).toMatchObject({ name: 'Riverside', district: 'd1' });
  });

  it('computes, hour by hour, what the pure engine computes for the same readings', async () => {
    stream = openEventStream(`${h.httpUrl}/api/aqhi/stream`);
    await waitFor('the SSE snapshot', () => stream.events.find((e) => e.event === 'snapshot'));
    for (const [hour, samples] of SERIES.entries()) {
      if (hour > 0) await startHour(hour);
      await publishHour(hour, samples);
      const entry = await s1();
      expectMatchesEngine(entry, hour);
      expect(entry.provisional).toBe(true);
      expect(entry.lastReadingAt).toBe(iso(nowMs));
      expect(entry.stale).toBe(false);
      expect(highEvents).toEqual(expectedHighEvents);
    }
    // The data crosses the high band once each way; the first value is in it only from the episode on.
    expect(expectedHighEvents.map((e) => e.high)).toEqual([true, false]);
  });

  it('announces entering and leaving the high band once each', () => {
    expect(highEvents).toEqual([
      { stationId: 's1', high: true, value: expect.any(Number) },
      { stationId: 's1', high: false, value: expect.any(Number) },
    ]);
    expect(highEvents[0]!.value!).toBeGreaterThanOrEqual(HK_2013.highBandFrom!);
    expect(highEvents[1]!.value!).toBeLessThan(HK_2013.highBandFrom!);
  });

  it('keeps the hourly values for history, final once their hour is over', async () => {
    const res = await h.api('GET', '/api/aqhi/s1/history?hours=24', undefined, null);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ stationId: 's1', hours: 24, to: iso(T0 + SERIES.length * HOUR_MS) });
    const points = res.body.points as { hourStartMs: number; value: number | null; provisional: boolean; time: string; band: number | null }[];
    expect(points.map((p) => p.hourStartMs)).toEqual(SERIES.map((_, hour) => T0 + hour * HOUR_MS));
    for (const [hour, point] of points.entries()) {
      expect(point.value).toBe(expectedAt(hour).result.value);
      expect(point.time).toBe(iso(T0 + (hour + 1) * HOUR_MS));
      expect(point.provisional).toBe(hour === SERIES.length - 1);
    }
    const lastTwo = await h.api('GET', '/api/aqhi/s1/history?hours=2', undefined, null);
    expect(lastTwo.body.points.map((p: { hourStartMs: number }) => p.hourStartMs)).toEqual([T0 + 22 * HOUR_MS, T0 + 23 * HOUR_MS]);
    expect((await h.api('GET', '/api/aqhi/s2/history', undefined, null)).body.points).toEqual([]);
  });

  it('refuses bad history requests with the error body', async () => {
    for (const query of ['hours=0', 'hours=721', 'hours=abc', 'hours=2&extra=1']) {
      const res = await h.api('GET', `/api/aqhi/s1/history?${query}`, undefined, null);
      expect(res.status, query).toBe(400);
      expect(res.body.error).toBe('GW_ERR_HTTP_BAD_REQUEST');
    }
    const unknown = await h.api('GET', '/api/aqhi/s404/history', undefined, null);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ error: 'GW_ERR_HTTP_NOT_FOUND', message: expect.stringContaining('s404') });
  });

  it('streams each change over SSE: the last event is the entry the REST feed shows', async () => {
    const entry = await s1();
    const last = await waitFor('the latest index over SSE', () => {
      const mine = stream.events.filter((e) => e.event === 'index' && (e.data as StationIndex).stationId === 's1');
      return mine.length > 0 && isDeepStrictEqual(mine.at(-1)!.data, entry) ? mine : undefined;
    });
    // One event per change: at least one per reading and per hour boundary.
    expect(last.length).toBeGreaterThanOrEqual(SERIES.length * 2);
    // The stream's hourly series: the last event of each hour carries that hour's final value.
    for (const hour of SERIES.keys()) {
      const ofHour = last.filter((e) => (e.data as StationIndex).hourStartMs === T0 + hour * HOUR_MS).at(-1)!.data as StationIndex;
      expect(ofHour.value, `hour ${hour}`).toBe(expectedAt(hour).result.value);
    }
    const snapshot = stream.events.find((e) => e.event === 'snapshot')!.data as { stations: StationIndex[] };
    expect(snapshot.stations.map((s) => s.stationId)).toEqual(['s1', 's2']);
  });

  it('is in the OpenAPI document as public routes', async () => {
    const res = await h.api('GET', '/docs/json', undefined, null);
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/api/aqhi', '/api/aqhi/{stationId}/history', '/api/aqhi/stream']));
    expect(res.body.paths['/api/aqhi/{stationId}/history'].get.security).toEqual([]);
  });

  it('gives an app client logged in with a bureau token the retained feeds/aqhi/s1 message, after the fact', async () => {
    const entry = await s1();
    const bureau = await appClient(h, 'bureau-screen-1', await issueToken('bureau'));
    openClients.push(bureau);
    const received = new Promise<{ topic: string; body: StationIndex; retain: boolean }>((resolve) => {
      bureau.once('message', (topic, payload, packet) => resolve({ topic, body: JSON.parse(payload.toString()), retain: packet.retain }));
    });
    expect(await suback(bureau, ['feeds/aqhi/s1'])).toEqual([1]);
    const message = await received;
    expect(message.topic).toBe('feeds/aqhi/s1');
    expect(message.retain).toBe(true);
    expect(message.body).toEqual(entry);
  });

  it('refuses app clients what is not theirs, and devices the feed', async () => {
    const device = await h.device('b-0001');
    expect(await suback(device.client, ['feeds/aqhi/s1', 'feeds/aqhi/+'])).toEqual([128, 128]);

    const worker = await appClient(h, 'phone-w1', await issueToken('worker', 'w1'));
    openClients.push(worker);
    expect(await suback(worker, ['alerts/grid/g2', 'alerts/grid/g1', 'alerts/person/w2', 'alerts/person/w1', 'feeds/aqhi/+', '#'])).toEqual([128, 1, 128, 1, 1, 128]);

    // An app client that publishes is disconnected, as a device would be.
    const closed = new Promise<void>((resolve) => worker.once('close', () => resolve()));
    worker.publish('feeds/aqhi/s1', '{"value":1}', { qos: 0 });
    await closed;
    expect((await s1()).value).not.toBe(1);

    const metrics = (await h.api('GET', '/metrics')).body as string;
    expect(metrics).toMatch(/gateway_mqtt_acl_denied_total\{action="subscribe"\} ([4-9]|\d\d)/);
    expect(metrics).toMatch(/gateway_mqtt_acl_denied_total\{action="publish"\} [1-9]/);
  });

  it('refuses a wrong or revoked token, and a client id that is a device id, at CONNECT', async () => {
    await expect(appClient(h, 'phone-x', 'gw_not-a-real-token')).rejects.toMatchObject({ code: 4 });
    await expect(appClient(h, 'phone-x', '')).rejects.toMatchObject({ code: 4 });
    const issued = await h.api('POST', '/api/tokens', { role: 'bureau' });
    expect((await h.api('DELETE', `/api/tokens/${issued.body.id}`)).status).toBe(204);
    await expect(appClient(h, 'phone-x', issued.body.token)).rejects.toMatchObject({ code: 4 });
    // Taking a device's client id would take over its session and drop the device.
    await expect(appClient(h, 'air-01', await issueToken('bureau'))).rejects.toMatchObject({ code: 2 });
    expect(air.client.connected).toBe(true);
    const metrics = (await h.api('GET', '/metrics')).body as string;
    expect(metrics).toMatch(/gateway_mqtt_connections_refused_total\{reason="bad_token"\} [3-9]/);
    expect(metrics).toMatch(/gateway_mqtt_connections_refused_total\{reason="client_id_taken"\} [1-9]/);
  });

  it('keeps the history, the current value and the moving averages across a restart', async () => {
    const before = await feed();
    const historyBefore = (await h.api('GET', '/api/aqhi/s1/history?hours=24', undefined, null)).body;
    // The gateway ends the stream itself on stop; its events so far stay in stream.events.
    await h.stop();
    await stream.done;

    h = await startHarness({ dataDir: h.dataDir, provision: null, now: clock });
    listenForHighChanges(h);
    expect(await feed()).toEqual(before);
    expect((await h.api('GET', '/api/aqhi/s1/history?hours=24', undefined, null)).body).toEqual(historyBefore);

    // The retained topic is back on the new broker (its retained store lives in memory).
    const bureau = await appClient(h, 'bureau-screen-2', await issueToken('bureau'));
    openClients.push(bureau);
    const retained = new Promise<StationIndex>((resolve) => bureau.once('message', (_topic, payload) => resolve(JSON.parse(payload.toString()))));
    await suback(bureau, ['feeds/aqhi/+']);
    expect((await retained).stationId).toMatch(/^s[12]$/);

    // The next hour's index still averages the hours from before the restart.
    air = await h.device('air-01');
    const hour = SERIES.length;
    await startHour(hour);
    await publishHour(hour, [LOW, scaled(LOW, 1.1)]);
    expectMatchesEngine(await s1(), hour);
    expect(expectedAt(hour).validHours).toBe(3);
    // Still low: the restart announced nothing again.
    expect(highEvents).toEqual(expectedHighEvents);
    expect(highEvents).toHaveLength(2);
  });

  it('flags a station silent for over 2 hours as stale, with the time of its last reading', async () => {
    const lastReadingAt = (await s1()).lastReadingAt;
    const hour = SERIES.length + 3;
    await startHour(hour);
    nowMs += 5 * 60_000;
    const entry = await s1();
    expect(entry).toMatchObject({ stale: true, lastReadingAt, value: null });
    // Hours 9 to 11 hold no data at all: every pollutant is missing, none taken as zero.
    expect(entry.missing.map((m) => m.reason)).toEqual(['no-data', 'no-data', 'no-data', 'no-data', 'no-data']);
    expect((await feed()).stations.find((s) => s.stationId === 's2')).toMatchObject({ stale: false, value: null });
  });
});

describe('the profile named in the provision file', () => {
  it('defaults to the Hong Kong AQHI and takes another profile or version by name', () => {
    expect(selectAqhiProfile(undefined)).toMatchObject({ name: 'hk', version: '2013' });
    expect(selectAqhiProfile({ profile: 'canada' })).toMatchObject({ name: 'canada', version: '2008' });
    expect(selectAqhiProfile({ profile: 'hk', version: '2025' })).toMatchObject({ name: 'hk', version: '2025', status: 'unverified' });
    expect(() => selectAqhiProfile({ profile: 'local' })).toThrow(/rules\.aqhi.*local/);
  });

  it('refuses an unknown profile at load, naming the known ones, and starts nothing', async () => {
    const dataDir = makeDataDir();
    const file = path.join(dataDir, 'provision.yaml');
    writeFileSync(file, YAML.stringify({ ...TEST_PROVISION, rules: { aqhi: { profile: 'hk-2099' } } }));
    const config = loadConfig({ env: {}, overrides: { dataDir, provision: file, logLevel: 'silent', mqttPort: 0, mqttWsPort: 0, httpPort: 0, broker: { secretHashCost: 1024 } } });
    await expect(buildGateway({ config, log: createLogger('silent') })).rejects.toThrow(/rules\.aqhi: unknown AQHI profile "hk-2099"; known: hk@2013.*canada@2008/);
  });
});
