import { isDeepStrictEqual } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { StationIndex } from '../../gateway/aqhi/feed-schema.js';
import { evaluateConcentrations, HK_2013, HOUR_MS } from '../../rules/aqhi/index.js';
import { serverAvailable } from '../helpers/external-server.js';
import { fakeClock, type FakeClock } from '../helpers/fake-clock.js';
import { startHarness, TEST_PROVISION, type Harness } from '../helpers/gateway-harness.js';
import { postgresAvailable } from '../helpers/postgres-server.js';
import { sharedServersForSuite } from '../helpers/shared-servers.js';
import { waitFor } from '../helpers/wait-for.js';
import { partitionsShared } from '../helpers/cluster-partitions.js';

/** An hour boundary: the station's readings fill two hours, enough for a 3-hour index value. */
const T0 = Date.parse('2026-12-08T02:00:00Z');
const MODERATE = { no2: 45, so2: 9, o3: 65, pm10: 55, pm25: 32 };
const HIGHER = { no2: 90, so2: 18, o3: 120, pm10: 110, pm25: 70 };
const CLEANER = { no2: 20, so2: 5, o3: 35, pm10: 25, pm25: 14 };
type Sample = typeof MODERATE;
const POLLUTANTS = Object.keys(MODERATE) as (keyof Sample)[];
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** What rules/aqhi computes for a 3-hour window holding these hours' samples: the mean of the hourly means. */
function expectedValue(hours: Sample[][]): number | null {
  const means = Object.fromEntries(POLLUTANTS.map((p) => [p, mean(hours.map((samples) => mean(samples.map((s) => s[p]))))]));
  return evaluateConcentrations(HK_2013, means).value;
}

/** Reads an SSE stream over real HTTP, as the index board does, collecting its events. */
function openEventStream(url: string): { events: { event: string; data: unknown }[]; close(): void } {
  const events: { event: string; data: unknown }[] = [];
  const abort = new AbortController();
  void (async () => {
    const response = await fetch(url, { signal: abort.signal });
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body!) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = Object.fromEntries(block.split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]));
        if (fields.data !== undefined) events.push({ event: fields.event ?? 'message', data: JSON.parse(fields.data) });
      }
    }
  })().catch((err: unknown) => {
    if ((err as Error).name !== 'AbortError') throw err;
  });
  return { events, close: () => abort.abort() };
}

// Three gateways on one PostgreSQL and one Redis: only the holder of the community's partition
// computes the air index; every gateway's feed, stream and board show what it computes.
describe.skipIf(!postgresAvailable() || !serverAvailable('redis-server'))('the air index with several gateways', () => {
  const servers = sharedServersForSuite();
  const { postgres, cleanup } = servers;

  /** Three gateways on a database of their own, the partitions shared out: the one that computes the index (partition 0's holder) and the two others. */
  async function threeGateways(name: string): Promise<{ db: pg.Pool; clock: FakeClock; gateways: Map<string, Harness>; holderId: string; holder: Harness; others: [Harness, Harness] }> {
    const url = await postgres.createDatabase(`${name}_${process.pid}`);
    const db = postgres.pool(url);
    cleanup.push(() => db.end());
    const clock = fakeClock(T0 + 10 * 60_000);
    const gateways = new Map<string, Harness>();
    for (const nodeId of ['east', 'west', 'north']) {
      const h = await startHarness({ provision: TEST_PROVISION, now: clock.now, overrides: { databaseUrl: url, redisUrl: servers.redisUrl, nodeId, alerts: { tickMs: 60_000 }, cluster: { failoverS: 3 } } });
      cleanup.push(() => h.dispose());
      gateways.set(nodeId, h);
    }
    await waitFor('the partitions shared out among the three', () => partitionsShared(db, 3), 60_000);
    const { rows } = await db.query<{ owner: string }>('SELECT owner FROM cluster_partitions WHERE partition = 0');
    const holderId = rows[0]!.owner;
    const others = [...gateways.entries()].filter(([id]) => id !== holderId).map(([, h]) => h) as [Harness, Harness];
    return { db, clock, gateways, holderId, holder: gateways.get(holderId)!, others };
  }

  it('readings reaching a gateway that does not compute the index show on every gateway’s feed and stream; the retained feed goes out once', async () => {
    const { db, clock, gateways, holderId, holder, others } = await threeGateways('several_aqhi');
    const [via, viewer] = others;

    const s1 = async (h: Harness): Promise<StationIndex> => {
      const res = await h.api('GET', '/api/aqhi', undefined, null);
      expect(res.status).toBe(200);
      return (res.body as { stations: StationIndex[] }).stations.find((s) => s.stationId === 's1')!;
    };
    for (const h of gateways.values()) expect(await s1(h)).toMatchObject({ value: null, lastReadingAt: null });

    const stream = openEventStream(`${viewer.httpUrl}/api/aqhi/stream?station=s1`);
    cleanup.push(() => stream.close());
    await waitFor('the snapshot on the viewer’s stream', () => stream.events.some((e) => e.event === 'snapshot'), 30_000);
    const bureau = await holder.api('POST', '/api/tokens', { role: 'bureau' });
    expect(bureau.status).toBe(201);
    const subscriber: MqttClient = await mqtt.connectAsync(viewer.mqttUrl, { clientId: 'bureau-screen', username: 'token', password: bureau.body.token as string, reconnectPeriod: 0 });
    cleanup.push(() => subscriber.endAsync(true));
    const feeds: unknown[] = [];
    subscriber.on('message', (topic, payload) => {
      if (topic === 'feeds/aqhi/s1') feeds.push(JSON.parse(payload.toString()));
    });
    await subscriber.subscribeAsync('feeds/aqhi/s1', { qos: 1 });
    const before = feeds.length;

    /** Waits until the holder shows the hour with a value, then until the others show the holder's entry. */
    const settled = async (hourStartMs: number, what: string): Promise<StationIndex> => {
      const computed = await waitFor(`the holder computed ${what}`, async () => {
        const entry = await s1(holder);
        return entry.hourStartMs === hourStartMs && entry.value !== null && entry.lastReadingAt === new Date(clock.now()).toISOString() ? entry : undefined;
      }, 60_000);
      for (const h of [via, viewer]) await waitFor(`the holder’s ${what} on the others’ feed`, async () => isDeepStrictEqual(await s1(h), computed), 60_000);
      await waitFor(`${what} on the viewer’s index stream`, () => stream.events.some((e) => e.event === 'index' && isDeepStrictEqual(e.data, computed)), 30_000);
      await waitFor(`${what} on feeds/aqhi/s1`, () => feeds.some((f) => isDeepStrictEqual(f, computed)), 30_000);
      return computed;
    };

    // The station is connected to a gateway that does not compute the index.
    const air = await via.device('air-01');
    await air.telemetry({ ...MODERATE, ts: clock.now() }, 1);
    clock.advance(HOUR_MS);
    await air.telemetry({ ...MODERATE, ts: clock.now() }, 1);
    const first = await settled(T0 + HOUR_MS, 'the index of the second hour');
    expect(first.window).toMatchObject({ hours: 3 });
    expect(first.value).toBe(expectedValue([[MODERATE], [MODERATE]]));

    clock.advance(20 * 60_000);
    await air.telemetry({ ...HIGHER, ts: clock.now() }, 1);
    const second = await settled(T0 + HOUR_MS, 'the index after a dirtier reading');
    expect(second.value).toBeGreaterThan(first.value!);
    expect(second.value).toBe(expectedValue([[MODERATE], [MODERATE, HIGHER]]));

    // The history the holder stored reads the same from a gateway that does not compute it.
    const history = await viewer.api('GET', '/api/aqhi/s1/history?hours=3', undefined, null);
    expect(history.status).toBe(200);
    expect((history.body as { points: { hourStartMs: number; value: number | null }[] }).points.at(-1)).toMatchObject({ hourStartMs: T0 + HOUR_MS, value: second.value });

    // Only the holder published: each entry went out on the retained topic once, not once per gateway.
    const published = feeds.slice(before);
    expect(published.filter((p) => isDeepStrictEqual(p, first))).toHaveLength(1);
    expect(published.filter((p) => isDeepStrictEqual(p, second))).toHaveLength(1);
    expect(published.filter((p, i) => published.findIndex((q) => isDeepStrictEqual(p, q)) !== i)).toEqual([]);
    // None but the holder wrote its state: the one snapshot in the store is the holder's latest.
    const { rows: state } = await db.query<{ body: string }>("SELECT body FROM aqhi_state WHERE key = 'aqhi-service'");
    expect((JSON.parse(state[0]!.body) as { lastReadingAtMs: Record<string, number> }).lastReadingAtMs.s1).toBe(clock.now());

    // The holder stops; whichever takes the community's partition goes on from the stored averages.
    const gone = holderId;
    await holder.stop();
    const next = await waitFor('another gateway holds the community’s partition', async () => {
      const { rows: owner } = await db.query<{ owner: string | null }>('SELECT owner FROM cluster_partitions WHERE partition = 0 AND lease_until > now()');
      return owner[0]?.owner !== undefined && owner[0].owner !== null && owner[0].owner !== gone ? owner[0].owner : undefined;
    }, 60_000);
    const successor = gateways.get(next)!;
    const other = successor === via ? viewer : via;
    clock.advance(10 * 60_000);
    await air.telemetry({ ...CLEANER, ts: clock.now() }, 1);
    const third = await waitFor('the index after the takeover', async () => {
      const entry = await s1(successor);
      return entry.lastReadingAt === new Date(clock.now()).toISOString() ? entry : undefined;
    }, 60_000);
    expect(third.value).toBe(expectedValue([[MODERATE], [MODERATE, HIGHER, CLEANER]]));
    await waitFor('the successor’s index on the other gateway', async () => isDeepStrictEqual(await s1(other), third), 60_000);
    await waitFor('the successor’s index on feeds/aqhi/s1', () => feeds.some((f) => isDeepStrictEqual(f, third)), 30_000);
  }, 240_000);

  it('the hourly forecasts, made alike by every gateway, go out once, from the one that computes the index; an official forecast goes out from the gateway it was put through', async () => {
    const { clock, holder, others } = await threeGateways('several_forecasts');

    const bureau = await holder.api('POST', '/api/tokens', { role: 'bureau' });
    const subscriber: MqttClient = await mqtt.connectAsync(others[0]!.mqttUrl, { clientId: 'forecast-screen', username: 'token', password: bureau.body.token as string, reconnectPeriod: 0 });
    cleanup.push(() => subscriber.endAsync(true));
    const forecasts: { issuer: unknown; note: unknown }[] = [];
    // Live publications only, not what the broker kept from before (retained, sent on subscribing).
    subscriber.on('message', (topic, payload, packet) => {
      if (topic === 'feeds/aqhi/s1/forecast' && !packet.retain) forecasts.push(JSON.parse(payload.toString()) as { issuer: unknown; note: unknown });
    });
    await subscriber.subscribeAsync('feeds/aqhi/s1/forecast', { qos: 1 });

    // The hour turns on every gateway at once.
    clock.advance(HOUR_MS);
    for (const h of [holder, ...others]) await h.gateway.aqhiReports.forecast.hourly(clock.now());
    await waitFor('the hourly forecast on feeds/aqhi/s1/forecast', () => forecasts.some((f) => f.issuer === null), 30_000);
    // Each other gateway then takes an official forecast: it goes out from that gateway, after
    // anything that gateway published before it.
    for (const [i, h] of others.entries()) {
      const note = `bureau forecast ${i}`;
      const put = await h.api('PUT', '/api/aqhi/s1/forecast', { tomorrow: { band: 4 + i }, validUntil: new Date(clock.now() + 20 * HOUR_MS).toISOString(), note }, bureau.body.token as string);
      expect(put.status).toBe(200);
      await waitFor(`the official forecast put through gateway ${i + 1} of the others`, () => forecasts.some((f) => f.note === note), 30_000);
    }
    expect(forecasts.filter((f) => f.issuer === null)).toHaveLength(1);
  }, 240_000);
});
