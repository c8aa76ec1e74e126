import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../gateway/logger.js';
import { createMetrics, type GatewayMetrics } from '../../gateway/metrics.js';
import { migratePostgres, openPostgres, POSTGRES_SCHEMA_VERSION, type PostgresPool } from '../../gateway/store/postgres-database.js';
import { PostgresTelemetryStore, type PostgresTelemetryOptions } from '../../gateway/telemetry/postgres-telemetry-store.js';
import type { Reading } from '../../sensors/index.js';
import { PostgresServer, postgresAvailable } from '../helpers/postgres-server.js';

const DAY_MS = 86_400_000;
const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 30 * 60_000;

const reading = (deviceId: string, i: number, tsMs = T0 + i * 1_000): Reading => ({ deviceId, kind: 'bracelet', tsMs, receivedAtMs: tsMs + 5, values: { hr: 60 + (i % 40) } });

describe.runIf(postgresAvailable())('readings in a real PostgreSQL 15', () => {
  const server = new PostgresServer();
  const pools: PostgresPool[] = [];
  let databases = 0;
  const freshPool = async (): Promise<PostgresPool> => {
    const pool = openPostgres(await server.createDatabase(`readings_${++databases}`), { onError: () => undefined });
    pools.push(pool);
    return pool;
  };
  const store = (pool: PostgresPool, metrics: GatewayMetrics, options: Partial<PostgresTelemetryOptions> = {}): PostgresTelemetryStore =>
    new PostgresTelemetryStore(pool, { retentionDays: 30, queueLimit: 10_000, flushIntervalMs: 3_600_000, batchSize: 100_000, ...options }, metrics, createLogger('silent'));
  const count = async (pool: PostgresPool, deviceId: string): Promise<number> =>
    Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM readings WHERE device_id = $1', [deviceId])).rows[0]!.n);

  beforeAll(() => server.start(), 120_000);
  afterAll(async () => {
    for (const pool of pools) await pool.end();
    await server.stop();
  });

  it('migrates one schema when three instances start at the same moment on an empty database', async () => {
    const url = await server.createDatabase('migrate_together');
    const starting = [0, 1, 2].map(() => openPostgres(url));
    pools.push(...starting);
    const results = await Promise.all(starting.map((pool) => migratePostgres(pool)));
    // One of them applied every migration, the others found nothing to do.
    expect(results.map((r) => r.applied).sort()).toEqual([0, 0, POSTGRES_SCHEMA_VERSION]);
    const { rows } = await starting[0]!.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((r) => r.version)).toEqual(Array.from({ length: POSTGRES_SCHEMA_VERSION }, (_, i) => i + 1));
    expect(await migratePostgres(starting[1]!)).toEqual({ applied: 0, version: POSTGRES_SCHEMA_VERSION });
  });

  it('holds readings while the database is away, tells nobody they are stored, and stores each once when it is back', async () => {
    const pool = await freshPool();
    await migratePostgres(pool);
    const metrics = createMetrics();
    const sink = store(pool, metrics);
    const told: (Error | undefined)[][] = Array.from({ length: 50 }, () => []);
    await server.shutdown();
    try {
      for (let i = 0; i < 50; i++) sink.write(reading('b-away', i), (err) => told[i]!.push(err));
      await sink.flush();
      // Not stored, not refused: the device's PUBACK waits.
      expect(told.every((calls) => calls.length === 0)).toBe(true);
      expect((await metrics.telemetryWriteErrors.get()).values[0]).toMatchObject({ value: 1, labels: { sink: 'postgres' } });
    } finally {
      await server.start();
    }
    await sink.flush();
    expect(told).toEqual(Array.from({ length: 50 }, () => [undefined]));
    expect(await count(pool, 'b-away')).toBe(50);
    const back = await sink.readings('b-away', { fromMs: T0 - DAY_MS, toMs: T0 + DAY_MS, limit: 100 });
    expect(back.map((r) => r.tsMs)).toEqual(Array.from({ length: 50 }, (_, i) => T0 + i * 1_000));
    await sink.close();
  }, 120_000);

  it('keeps at most its bound while the database is away: the oldest go, counted, and whoever waited for them is told', async () => {
    const pool = await freshPool();
    await migratePostgres(pool);
    const metrics = createMetrics();
    const sink = store(pool, metrics, { queueLimit: 20 });
    const told: (Error | undefined)[][] = Array.from({ length: 30 }, () => []);
    await server.shutdown();
    try {
      for (let i = 0; i < 30; i++) sink.write(reading('b-bound', i), (err) => told[i]!.push(err));
      await sink.flush();
    } finally {
      await server.start();
    }
    expect(told.slice(0, 10).every((calls) => calls.length === 1 && calls[0] instanceof Error)).toBe(true);
    expect((await metrics.telemetryDropped.get()).values[0]).toMatchObject({ value: 10, labels: { sink: 'postgres' } });
    await sink.flush();
    expect(told.slice(10)).toEqual(Array.from({ length: 20 }, () => [undefined]));
    const back = await sink.readings('b-bound', { fromMs: T0 - DAY_MS, toMs: T0 + DAY_MS, limit: 100 });
    expect(back.map((r) => r.tsMs - T0)).toEqual(Array.from({ length: 20 }, (_, i) => (i + 10) * 1_000));
    await sink.close();
  }, 120_000);

  it('drops whole days of readings older than the retention and keeps the rest', async () => {
    const pool = await freshPool();
    await migratePostgres(pool);
    const now = Date.parse('2026-12-07T10:00:00Z');
    const sink = store(pool, createMetrics(), { retentionDays: 30, now: () => now });
    for (const daysAgo of [45, 31, 29, 0]) sink.write(reading(`b-${daysAgo}`, 0, now - daysAgo * DAY_MS));
    await sink.flush();
    expect(await sink.applyRetention()).toBe(2);
    const left = await Promise.all([45, 31, 29, 0].map((d) => count(pool, `b-${d}`)));
    expect(left).toEqual([0, 0, 1, 1]);
    // A later reading for a dropped day's date is a new partition, not an error.
    sink.write(reading('b-late', 0, now - 29 * DAY_MS + 1));
    await sink.flush();
    expect(await count(pool, 'b-late')).toBe(1);
    await sink.close();
  });

  it('refuses a reading once closed, saying so, and two sinks on one database share it', async () => {
    const pool = await freshPool();
    await migratePostgres(pool);
    const [a, b] = [store(pool, createMetrics()), store(pool, createMetrics())];
    for (let i = 0; i < 10; i++) (i % 2 === 0 ? a : b).write(reading('b-shared', i));
    await Promise.all([a.flush(), b.flush()]);
    expect((await a.readings('b-shared', { fromMs: T0 - DAY_MS, toMs: T0 + DAY_MS, limit: 100 })).map((r) => r.tsMs - T0)).toEqual(Array.from({ length: 10 }, (_, i) => i * 1_000));
    await a.close();
    const told: (Error | undefined)[] = [];
    a.write(reading('b-shared', 11), (err) => told.push(err));
    expect(told).toHaveLength(1);
    expect(told[0]?.message).toBe('the readings store is closed');
    await b.close();
  });
});
