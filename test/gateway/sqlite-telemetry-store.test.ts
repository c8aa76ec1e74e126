import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../gateway/logger.js';
import { createMetrics } from '../../gateway/metrics.js';
import { SqliteTelemetryStore } from '../../gateway/telemetry/sqlite-telemetry-store.js';
import type { Reading } from '../../sensors/index.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { useTempStores } from '../helpers/temp-store.js';

const T0 = Date.parse('2026-11-23T02:00:00Z');

function reading(i: number): Reading {
  return { deviceId: 'b-0001', kind: 'bracelet', tsMs: T0 + i, receivedAtMs: T0 + i, values: { hr: 60 + (i % 50) } };
}

describe('the embedded readings table under overload', () => {
  const stores = useTempStores();

  it('keeps the newest readings up to the queue limit, drops the oldest and counts them', async () => {
    const db = stores.open();
    const metrics = createMetrics();
    const store = new SqliteTelemetryStore(db, { retentionDays: 30, queueLimit: 100, flushIntervalMs: 3_600_000, batchSize: 1000, now: () => T0 + 1000 }, metrics, createLogger('silent'));
    for (let i = 0; i < 250; i++) store.write(reading(i));
    expect((await metrics.telemetryQueued.get()).values[0]!.value).toBe(100);
    await store.flush();
    const stored = store.readings('b-0001', { fromMs: T0, toMs: T0 + 1000, limit: 1000 });
    expect(stored.map((r) => r.tsMs - T0)).toEqual(Array.from({ length: 100 }, (_, i) => 150 + i));
    expect((await metrics.telemetryDropped.get()).values[0]).toMatchObject({ value: 150, labels: { sink: 'sqlite' } });
    expect((await metrics.telemetryWritten.get()).values[0]!.value).toBe(100);
    // After a flush the queue starts afresh.
    for (let i = 250; i < 260; i++) store.write(reading(i));
    await store.close();
    expect(store.readings('b-0001', { fromMs: T0, toMs: T0 + 1000, limit: 1000 })).toHaveLength(110);
  });
});

describe('readings stored in chunks', () => {
  const stores = useTempStores();

  let db: ReturnType<typeof stores.open>;
  function open(): SqliteTelemetryStore {
    db = stores.open();
    return new SqliteTelemetryStore(db, { retentionDays: 30, queueLimit: 1_000_000, flushIntervalMs: 3_600_000, batchSize: 1000, now: () => T0 }, createMetrics(), createLogger('silent'));
  }

  it('answers time-range queries exactly as one row per reading would: oldest first, ties in the order stored, up to the limit', async () => {
    const store = open();
    const random = seededRandom(7);
    const written: Reading[] = [];
    // Several flushes, three devices, times out of order, repeated and spread over three hours.
    for (let flush = 0; flush < 12; flush++) {
      for (let i = 0; i < 300; i++) {
        const deviceId = `b-${Math.floor(random() * 3)}`;
        const tsMs = T0 + Math.floor(random() * 180) * 60_000;
        const r: Reading = { deviceId, kind: 'bracelet', tsMs, receivedAtMs: T0 + flush * 1000 + i, values: { hr: 40 + Math.floor(random() * 100) } };
        written.push(r);
        store.write(r);
      }
      await store.flush();
    }
    for (let q = 0; q < 60; q++) {
      const deviceId = `b-${q % 3}`;
      const a = T0 + Math.floor(random() * 200 - 10) * 60_000;
      const b = a + Math.floor(random() * 120) * 60_000;
      const limit = 1 + Math.floor(random() * 400);
      const expected = written
        .filter((r) => r.deviceId === deviceId && r.tsMs >= a && r.tsMs <= b)
        .sort((x, y) => x.tsMs - y.tsMs) // stable: equal times stay in the order written
        .slice(0, limit)
        .map((r) => ({ tsMs: r.tsMs, receivedAtMs: r.receivedAtMs, values: r.values }));
      const got = store.readings(deviceId, { fromMs: a, toMs: b, limit }).map((r) => ({ tsMs: r.tsMs, receivedAtMs: r.receivedAtMs, values: r.values }));
      expect(got, `query ${q}: ${deviceId} ${a - T0}..${b - T0} limit ${limit}`).toEqual(expected);
    }
    // 3,600 readings, a handful of rows: one chunk per device, flush and hour of device time at most.
    const { rows } = db.prepare('SELECT COUNT(*) AS rows FROM reading_chunks').get() as { rows: number };
    expect(rows).toBeLessThanOrEqual(12 * 3 * 4);
    await store.close();
  });

  it('cuts a chunk at an hour of device time, so a query starting later still finds what it holds', async () => {
    const store = open();
    // One flush, one device: a reading, then many spread over the next two hours.
    const times = [0, 50, 70, 110, 125].map((m) => T0 + m * 60_000);
    for (const tsMs of times) store.write({ deviceId: 'b-1', kind: 'bracelet', tsMs, receivedAtMs: T0, values: { hr: 70 } });
    await store.flush();
    const spans = db.prepare('SELECT first_ts_ms, last_ts_ms FROM reading_chunks ORDER BY first_ts_ms').all() as { first_ts_ms: number; last_ts_ms: number }[];
    for (const s of spans) expect(s.last_ts_ms - s.first_ts_ms).toBeLessThanOrEqual(3_600_000);
    expect(spans.length).toBeGreaterThan(1);
    expect(store.readings('b-1', { fromMs: T0 + 100 * 60_000, toMs: T0 + 200 * 60_000, limit: 10 }).map((r) => (r.tsMs - T0) / 60_000)).toEqual([110, 125]);
    await store.close();
  });

  it('retention deletes a chunk only once all its readings are older than the retention', async () => {
    db = stores.open();
    let now = T0;
    const store = new SqliteTelemetryStore(db, { retentionDays: 1, queueLimit: 1000, flushIntervalMs: 3_600_000, batchSize: 1000, now: () => now }, createMetrics(), createLogger('silent'));
    store.write({ deviceId: 'b-1', kind: 'bracelet', tsMs: T0, receivedAtMs: T0, values: { hr: 70 } });
    await store.flush();
    store.write({ deviceId: 'b-1', kind: 'bracelet', tsMs: T0 + 3_600_000, receivedAtMs: T0 + 3_600_000, values: { hr: 71 } });
    await store.flush();
    now = T0 + 24 * 3_600_000 + 1;
    expect(store.applyRetention()).toBe(1);
    expect(store.readings('b-1', { fromMs: 0, toMs: now, limit: 10 }).map((r) => r.values)).toEqual([{ hr: 71 }]);
    await store.close();
  });

  it('an older store with one row per reading is upgraded: its readings come back from the chunks', async () => {
    const dir = stores.dir();
    // The store as schema version 3 left it, as far as readings go (and the page outbox, which later versions change).
    const old = new Database(path.join(dir, 'gateway.db'));
    old.exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at_ms INTEGER NOT NULL);
      INSERT INTO schema_migrations VALUES (1, 0), (2, 0), (3, 0);
      CREATE TABLE page_jobs (id INTEGER PRIMARY KEY AUTOINCREMENT, alert_id TEXT NOT NULL);
      CREATE TABLE readings (device_id TEXT NOT NULL, kind TEXT NOT NULL, ts_ms INTEGER NOT NULL, received_at_ms INTEGER NOT NULL, body TEXT NOT NULL);`);
    const insert = old.prepare('INSERT INTO readings VALUES (?, ?, ?, ?, ?)');
    insert.run('b-1', 'bracelet', T0 + 2000, T0 + 2100, JSON.stringify({ hr: 72, worn: true }));
    insert.run('b-1', 'bracelet', T0 + 1000, T0 + 1100, JSON.stringify({ hr: 71 }));
    insert.run('s-1', 'air', T0 + 1000, T0 + 1200, JSON.stringify({ pm25: 35.5 }));
    old.close();
    db = stores.open(dir);
    const store = new SqliteTelemetryStore(db, { retentionDays: 30, queueLimit: 1000, flushIntervalMs: 3_600_000, batchSize: 1000, now: () => T0 }, createMetrics(), createLogger('silent'));
    expect(store.readings('b-1', { fromMs: T0, toMs: T0 + 5000, limit: 10 })).toEqual([
      { deviceId: 'b-1', kind: 'bracelet', tsMs: T0 + 1000, receivedAtMs: T0 + 1100, values: { hr: 71 } },
      { deviceId: 'b-1', kind: 'bracelet', tsMs: T0 + 2000, receivedAtMs: T0 + 2100, values: { hr: 72, worn: true } },
    ]);
    expect(store.readings('s-1', { fromMs: T0, toMs: T0 + 5000, limit: 10 })).toMatchObject([{ kind: 'air', values: { pm25: 35.5 } }]);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'readings'").get()).toBeUndefined();
    await store.close();
  });
});

describe('acknowledgements wait for the commit (group commit)', () => {
  const stores = useTempStores();
  const storedCount = (dir: string): number => {
    const reader = new Database(path.join(dir, 'gateway.db'), { readonly: true });
    try {
      return (reader.prepare('SELECT COALESCE(SUM(count), 0) AS n FROM reading_chunks').get() as { n: number }).n;
    } finally {
      reader.close();
    }
  };

  it('tells each waiter once its reading is committed, seen from another connection, and not before', async () => {
    const dir = stores.dir();
    const db = stores.open(dir);
    const store = new SqliteTelemetryStore(db, { retentionDays: 30, queueLimit: 1000, flushIntervalMs: 3_600_000, batchSize: 1000, now: () => T0 }, createMetrics(), createLogger('silent'));
    const seenAtCommit: number[] = [];
    for (let i = 0; i < 3; i++) store.write(reading(i), (err) => seenAtCommit.push(err === undefined ? storedCount(dir) : -1));
    store.write(reading(3));
    await new Promise((r) => setImmediate(r));
    expect(seenAtCommit).toEqual([]);
    await store.flush();
    // Every waiter of the batch hears at once, and by then the whole batch is in the file.
    expect(seenAtCommit).toEqual([4, 4, 4]);
    await store.close();
  });

  it('starts the commit at once when a batch of waiters is full, without the flush timer', async () => {
    const db = stores.open();
    const store = new SqliteTelemetryStore(db, { retentionDays: 30, queueLimit: 1000, flushIntervalMs: 3_600_000, batchSize: 5, now: () => T0 }, createMetrics(), createLogger('silent'));
    let told = 0;
    const all = new Promise<void>((resolve) => {
      for (let i = 0; i < 5; i++) store.write(reading(i), () => ++told === 5 && resolve());
    });
    await all;
    expect(told).toBe(5);
    await store.close();
  });

  it('tells the waiter of a reading dropped by the bound that it was not stored', async () => {
    const db = stores.open();
    const store = new SqliteTelemetryStore(db, { retentionDays: 30, queueLimit: 100, flushIntervalMs: 3_600_000, batchSize: 1000, now: () => T0 }, createMetrics(), createLogger('silent'));
    const outcomes: string[] = [];
    store.write(reading(0), (err) => outcomes.push(err === undefined ? 'stored' : err.message));
    for (let i = 1; i < 101; i++) store.write(reading(i));
    expect(outcomes).toEqual(['readings queue full']);
    await store.close();
  });

  it('keeps waiters waiting while the store refuses writes, and tells them once a later flush commits', async () => {
    const dir = stores.dir();
    const db = stores.open(dir);
    const metrics = createMetrics();
    const store = new SqliteTelemetryStore(db, { retentionDays: 30, queueLimit: 1000, flushIntervalMs: 3_600_000, batchSize: 1000, now: () => T0 }, metrics, createLogger('silent'));
    db.exec("CREATE TEMP TRIGGER refuse BEFORE INSERT ON reading_chunks BEGIN SELECT RAISE(ABORT, 'disk full'); END");
    const outcomes: (string | number)[] = [];
    for (let i = 0; i < 3; i++) store.write(reading(i), (err) => outcomes.push(err?.message ?? storedCount(dir)));
    await store.flush();
    expect(outcomes).toEqual([]);
    expect((await metrics.telemetryWriteErrors.get()).values[0]!.value).toBe(1);
    store.write(reading(3), (err) => outcomes.push(err?.message ?? storedCount(dir)));
    db.exec('DROP TRIGGER refuse');
    await store.flush();
    expect(outcomes).toEqual([4, 4, 4, 4]);
    await store.close();
  });
});
