import { afterEach, describe, expect, it } from 'vitest';
import { createAqhiService, type AqhiService } from '../../gateway/aqhi/aqhi-service.js';
import { SqliteAqhiStore } from '../../gateway/aqhi/sqlite-aqhi-store.js';
import { createLogger } from '../../gateway/logger.js';
import type { DeviceEntity } from '../../gateway/registry/schemas.js';
import { openDatabase, type SqliteDatabase } from '../../gateway/store/sqlite-database.js';
import { evaluateConcentrations, HK_2013, HOUR_MS } from '../../rules/aqhi/index.js';
import type { Reading } from '../../sensors/index.js';
import { makeDataDir, removeDataDir } from '../helpers/gateway-harness.js';

/*
 * Two index services on one store, as two gateways on one PostgreSQL: one computes, the other
 * follows what it stores; then they swap, as when the community's partition moves.
 */

const T0 = Date.UTC(2026, 5, 1, 0, 0, 0);
const MODERATE = { no2: 45, so2: 9, o3: 65, pm10: 55, pm25: 32 };
const HIGHER = { no2: 90, so2: 18, o3: 120, pm10: 110, pm25: 70 };
type Sample = typeof MODERATE;
const POLLUTANTS = Object.keys(MODERATE) as (keyof Sample)[];
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const expectedValue = (hours: Sample[][]): number | null =>
  evaluateConcentrations(HK_2013, Object.fromEntries(POLLUTANTS.map((p) => [p, mean(hours.map((samples) => mean(samples.map((s) => s[p]))))]))).value;

const STATION = { id: 's1', name: 'Riverside', lat: 30.27, lon: 120.16, district: 'd1' };
const AIR = { id: 'air-01', kind: 'air', station: 's1' } as unknown as DeviceEntity;
const registry = {
  get: (collection: string, id: string) => (collection === 'stations' && id === 's1' ? STATION : undefined),
  list: (collection: string) => (collection === 'stations' ? [STATION] : []),
} as unknown as Parameters<typeof createAqhiService>[0]['registry'];

const reading = (tsMs: number, values: Sample): Reading => ({ deviceId: 'air-01', kind: 'air', tsMs, receivedAtMs: tsMs, values }) as Reading;

describe('an index service following the one that computes', () => {
  let nowMs = T0;
  let dataDir: string;
  let db: SqliteDatabase;
  const services: AqhiService[] = [];
  afterEach(async () => {
    for (const s of services.splice(0)) await s.stop();
    db.close();
    removeDataDir(dataDir);
  });

  async function twoOnOneStore(): Promise<{ store: SqliteAqhiStore; east: AqhiService; west: AqhiService; holder: { is: string } }> {
    nowMs = T0 + 10 * 60_000;
    dataDir = makeDataDir();
    db = openDatabase(dataDir);
    const store = new SqliteAqhiStore(db);
    const holder = { is: 'east' };
    const make = async (name: string): Promise<AqhiService> => {
      const s = await createAqhiService({ profile: HK_2013, store, registry, now: () => nowMs, log: createLogger('silent'), flushIntervalMs: 60_000 });
      s.computeOnlyWhile(() => holder.is === name);
      services.push(s);
      return s;
    };
    return { store, east: await make('east'), west: await make('west'), holder };
  }

  it('shows what the other stored, computes, ticks and writes nothing; takes over from the stored averages', async () => {
    const { store, east, west, holder } = await twoOnOneStore();
    east.handleReading(reading(nowMs, MODERATE), AIR);
    nowMs += HOUR_MS;
    expect(east.handleReading(reading(nowMs, MODERATE), AIR).length).toBeGreaterThan(0);
    await east.flush(true);
    expect(west.stationIndex('s1')).toMatchObject({ value: null, lastReadingAt: null });

    const changed: string[] = [];
    west.events.on('stationChanged', (id) => changed.push(id));
    const indexChanged: unknown[] = [];
    west.events.on('indexChanged', (u) => indexChanged.push(u));
    await west.followStored({ stations: ['s1'], state: true });
    expect(changed).toContain('s1');
    expect(west.stationIndex('s1')).toEqual(east.stationIndex('s1'));
    expect(west.stationIndex('s1')!.value).toBe(expectedValue([[MODERATE], [MODERATE]]));

    // Ticking the next hour: the follower computes and writes nothing; the one that computes does.
    const storedState = JSON.stringify(await store.loadState());
    nowMs = T0 + 2 * HOUR_MS + 1000;
    expect(await west.tick(nowMs)).toEqual([]);
    await west.flush(true);
    expect(await store.latest('s1')).toMatchObject({ hourStartMs: T0 + HOUR_MS });
    expect(JSON.stringify(await store.loadState())).toBe(storedState);
    expect(indexChanged).toEqual([]);
    expect((await east.tick(nowMs)).length).toBeGreaterThan(0);
    expect(await store.latest('s1')).toMatchObject({ hourStartMs: T0 + 2 * HOUR_MS });

    // Told while it computes, a service keeps its own engine.
    const own = east.stationIndex('s1');
    await east.followStored({ stations: 'all', state: true });
    expect(east.stationIndex('s1')).toEqual(own);

    // The partition moves: west takes over from the state east saved, east follows.
    await west.followStored({ stations: 'all', state: true });
    holder.is = 'west';
    nowMs = T0 + 2 * HOUR_MS + 5 * 60_000;
    west.handleReading(reading(nowMs, HIGHER), AIR);
    expect(west.stationIndex('s1')!.value).toBe(expectedValue([[MODERATE], [MODERATE], [HIGHER]]));
    // East's reading after it lost the partition is not written over west's, and is dropped once it follows.
    east.handleReading(reading(nowMs + 1000, MODERATE), AIR);
    await east.flush(true);
    await west.flush(true);
    await east.followStored({ stations: ['s1'], state: true });
    expect(east.stationIndex('s1')).toEqual(west.stationIndex('s1'));
    holder.is = 'east';
    await east.flush(true);
    expect((await store.latest('s1'))!.value).toBe(expectedValue([[MODERATE], [MODERATE], [HIGHER]]));
  });
});
