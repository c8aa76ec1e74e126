import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../gateway/logger.js';
import { createMetrics } from '../../gateway/metrics.js';
import { openDatabase, type SqliteDatabase } from '../../gateway/store/sqlite-database.js';
import { SqliteTelemetryStore } from '../../gateway/telemetry/sqlite-telemetry-store.js';
import type { Reading } from '../../sensors/index.js';
import { makeDataDir } from '../helpers/gateway-harness.js';

const T0 = Date.parse('2026-11-23T02:00:00Z');

function reading(i: number): Reading {
  return { deviceId: 'b-0001', kind: 'bracelet', tsMs: T0 + i, receivedAtMs: T0 + i, values: { hr: 60 + (i % 50) } };
}

describe('the embedded readings table under overload', () => {
  let dir: string;
  let db: SqliteDatabase;
  afterEach(() => {
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the newest readings up to the queue limit, drops the oldest and counts them', async () => {
    dir = makeDataDir();
    db = openDatabase(dir);
    const metrics = createMetrics();
    const store = new SqliteTelemetryStore(db, { retentionDays: 30, queueLimit: 100, flushIntervalMs: 3_600_000, now: () => T0 + 1000 }, metrics, createLogger('silent'));
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
