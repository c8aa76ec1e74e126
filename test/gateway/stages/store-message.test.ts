import { describe, expect, it } from 'vitest';
import { SqliteDeviceStateStore } from '../../../gateway/ingest/device-state-store.js';
import { storeMessage, type StoreDeps } from '../../../gateway/ingest/stages.js';
import { createLogger } from '../../../gateway/logger.js';
import { createMetrics } from '../../../gateway/metrics.js';
import type { SqliteDatabase } from '../../../gateway/store/sqlite-database.js';
import { SqliteTelemetryStore } from '../../../gateway/telemetry/sqlite-telemetry-store.js';
import type { DecodedMessage } from '../../../sensors/index.js';
import { useTempStores } from '../../helpers/temp-store.js';

const T0 = Date.parse('2026-12-07T08:00:00Z');
const QUERY = { fromMs: T0 - 60_000, toMs: T0 + 60_000, limit: 100 };

const reading: DecodedMessage = { channel: 'telemetry', reading: { deviceId: 'b-1', kind: 'bracelet', tsMs: T0 - 100, receivedAtMs: T0, values: { hr: 72 } } };
const fall: DecodedMessage = { channel: 'events', event: { deviceId: 'b-1', kind: 'bracelet', tsMs: T0 - 50, receivedAtMs: T0, event: { type: 'fall', confidence: 0.9 } } };
const status: DecodedMessage = { channel: 'status', status: { deviceId: 'b-1', kind: 'bracelet', tsMs: T0, receivedAtMs: T0, online: false, bat: 15 } };

/** A readings store that writes only when flushed: the test decides when the commit happens. */
function readingsStore(db: SqliteDatabase): SqliteTelemetryStore {
  return new SqliteTelemetryStore(db, { retentionDays: 30, queueLimit: 1000, flushIntervalMs: 3_600_000, batchSize: 1000, now: () => T0 }, createMetrics(), createLogger('silent'));
}

describe('storeMessage: a valid message kept in a real SQLite file', () => {
  const stores = useTempStores();

  function open(): { db: SqliteDatabase; record: SqliteTelemetryStore; copy: SqliteTelemetryStore; deps: StoreDeps & { deviceState: SqliteDeviceStateStore } } {
    const db = stores.open();
    const record = readingsStore(db);
    // A second sink in a file of its own, standing for the copy to InfluxDB.
    const copy = readingsStore(stores.open());
    return { db, record, copy, deps: { sinks: [record, copy], deviceState: new SqliteDeviceStateStore(db) } };
  }

  it('writes a QoS 0 reading to every sink and notes the device was heard from', async () => {
    const { record, copy, deps } = open();
    expect(storeMessage(deps, 'b-1', reading, T0)).toBe(false);
    await record.flush();
    await copy.flush();
    expect(record.readings('b-1', QUERY).map((r) => r.values)).toEqual([{ hr: 72 }]);
    expect(copy.readings('b-1', QUERY).map((r) => r.values)).toEqual([{ hr: 72 }]);
    expect(await deps.deviceState.lastSeenMs('b-1')).toBe(T0);
  });

  it('hands a QoS 1 reading\'s acknowledgement to the store of record, told once at its commit', async () => {
    const { record, copy, deps } = open();
    const told: (Error | undefined)[] = [];
    expect(storeMessage(deps, 'b-1', reading, T0, (err) => told.push(err))).toBe(true);
    expect(told).toEqual([]);
    await copy.flush();
    expect(told).toEqual([]);
    await record.flush();
    expect(told).toEqual([undefined]);
    expect(record.readings('b-1', QUERY)).toHaveLength(1);
    expect(copy.readings('b-1', QUERY)).toHaveLength(1);
  });

  it('writes a fall at once, and gives the write for the acknowledgement to wait on', async () => {
    const { db, deps } = open();
    const told: (Error | undefined)[] = [];
    const written = storeMessage(deps, 'b-1', fall, T0, (err) => told.push(err));
    expect(written).toBeInstanceOf(Promise);
    await written;
    // The caller acknowledges once the write is kept; the store of record never tells an event.
    expect(told).toEqual([]);
    const reopened = new SqliteDeviceStateStore(db);
    expect((await reopened.events('b-1', T0 - 1000, T0 + 1000, 10)).map((e) => e.event)).toEqual([{ type: 'fall', confidence: 0.9 }]);
  });

  it('keeps the latest status', async () => {
    const { deps } = open();
    await storeMessage(deps, 'b-1', status, T0);
    expect(await deps.deviceState.statusOf('b-1')).toMatchObject({ online: false, bat: 15 });
  });

  it('refuses when the disk refuses an event, so it is not acknowledged and the device sends it again', async () => {
    const { db, deps } = open();
    db.close();
    await expect(Promise.resolve(storeMessage(deps, 'b-1', fall, T0, () => undefined))).rejects.toThrow();
  });

  it('tells a QoS 1 reading it will not be stored once the readings store is closed', async () => {
    const { record, deps } = open();
    await record.close();
    const told: (Error | undefined)[] = [];
    expect(storeMessage(deps, 'b-1', reading, T0, (err) => told.push(err))).toBe(true);
    expect(told).toHaveLength(1);
    expect(told[0]).toBeInstanceOf(Error);
  });
});
