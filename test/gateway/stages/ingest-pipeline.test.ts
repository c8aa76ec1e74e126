import { describe, expect, it } from 'vitest';
import { SqliteDeviceStateStore } from '../../../gateway/ingest/device-state-store.js';
import { createIngestPipeline } from '../../../gateway/ingest/ingest-pipeline.js';
import { RejectionLog } from '../../../gateway/ingest/rejection-log.js';
import { SqliteRejectionStore } from '../../../gateway/ingest/rejection-store.js';
import { createLogger } from '../../../gateway/logger.js';
import { createMetrics } from '../../../gateway/metrics.js';
import type { DeviceEntity } from '../../../gateway/registry/schemas.js';
import { SqliteTelemetryStore } from '../../../gateway/telemetry/sqlite-telemetry-store.js';
import { encodeCbor } from '../../../sensors/index.js';
import { useTempStores } from '../../helpers/temp-store.js';

const T0 = Date.parse('2026-12-07T08:00:00Z');
const DEVICES = new Map<string, DeviceEntity>([['b-1', { id: 'b-1', kind: 'bracelet', resident: 'r1' }]]);

// The stages in order (identifyDevice → decodeMessage → validateDecoded → storeMessage), as the
// broker's hook runs them, with no broker: what is kept, what is announced, what is refused.
describe('the ingest pipeline on its own, over a real SQLite file', () => {
  const stores = useTempStores();

  function open(slowEvents?: Promise<void>) {
    const db = stores.open();
    const metrics = createMetrics();
    const log = createLogger('silent');
    const readings = new SqliteTelemetryStore(db, { retentionDays: 30, queueLimit: 1000, flushIntervalMs: 3_600_000, batchSize: 1000, now: () => T0 }, metrics, log);
    const deviceState = new SqliteDeviceStateStore(db);
    if (slowEvents !== undefined) {
      // The write of an event is kept only once the test lets it: a slow disk, or a busy shared database.
      const recordEvent = deviceState.recordEvent.bind(deviceState);
      deviceState.recordEvent = (event) => slowEvents.then(() => recordEvent(event));
    }
    const rejections = new RejectionLog(new SqliteRejectionStore(db), metrics, log);
    const pipeline = createIngestPipeline({
      lookupDevice: (id) => DEVICES.get(id),
      sinks: [readings],
      deviceState,
      rejections,
      metrics,
      limits: { maxBytes: 1024, maxDepth: 8 },
      log,
    });
    const announced: string[] = [];
    pipeline.events.on('readingAccepted', (reading, device) => announced.push(`reading ${device.id} hr=${String((reading.values as { hr?: number }).hr)}`));
    pipeline.events.on('eventAccepted', (event, device) => announced.push(`event ${device.id} ${event.event.type}`));
    pipeline.events.on('statusReported', (status, device) => announced.push(`status ${device.id} online=${String(status.online)}`));
    return { db, readings, deviceState, rejections, pipeline, announced };
  }

  it('keeps a QoS 1 reading, acknowledges it at the commit, and announces it with its device', async () => {
    const { readings, pipeline, announced } = open();
    const told: (Error | undefined)[] = [];
    const result = pipeline.ingest('b-1', 'telemetry', Buffer.from(JSON.stringify({ ts: T0 - 10, hr: 88 })), T0, (err) => told.push(err));
    expect(result).toEqual({ action: 'continue' });
    expect(announced).toEqual(['reading b-1 hr=88']);
    expect(told).toEqual([]);
    await readings.flush();
    expect(told).toEqual([undefined]);
    expect(readings.readings('b-1', { fromMs: T0 - 1000, toMs: T0, limit: 10 }).map((r) => r.values)).toEqual([{ hr: 88 }]);
  });

  it('writes a fall and a status before acknowledging them, and announces each', async () => {
    const { deviceState, pipeline, announced } = open();
    const told: (Error | undefined)[] = [];
    const fall = pipeline.ingest('b-1', 'events', encodeCbor({ type: 'fall', confidence: 0.9 }), T0, (err) => told.push(err));
    const status = pipeline.ingest('b-1', 'status', encodeCbor({ online: true, bat: 50 }), T0 + 1, (err) => told.push(err));
    expect(await fall).toEqual({ action: 'continue' });
    expect(await status).toEqual({ action: 'continue' });
    expect(told).toEqual([undefined, undefined]);
    expect((await deviceState.events('b-1', T0 - 1, T0 + 1, 10)).map((e) => e.event)).toEqual([{ type: 'fall', confidence: 0.9 }]);
    expect(await deviceState.statusOf('b-1')).toMatchObject({ online: true, bat: 50 });
    expect(announced).toEqual(['event b-1 fall', 'status b-1 online=true']);
  });

  it.each([
    ['a device removed since it connected', 'b-9', Buffer.from('{"hr": 70}'), 'unknown_device'],
    ['malformed JSON', 'b-1', Buffer.from('{"hr": 7'), 'bad_json'],
    ['a value out of range', 'b-1', Buffer.from('{"hr": 900}'), 'out_of_range'],
  ])('refuses %s: counted for the device with its reason, acknowledged at once, nothing announced', async (_name, deviceId, payload, reason) => {
    const { rejections, pipeline, announced } = open();
    const told: (Error | undefined)[] = [];
    const result = pipeline.ingest(deviceId, 'telemetry', payload, T0, (err) => told.push(err));
    expect(result).toMatchObject({ action: 'drop', rejection: { reason } });
    // A resend would be refused the same way: acknowledged, so the device does not retry forever.
    expect(told).toEqual([undefined]);
    expect(announced).toEqual([]);
    expect(await rejections.statsOf(deviceId)).toMatchObject([{ reason, count: 1, lastAtMs: T0 }]);
  });

  it('does not acknowledge a fall the disk refused: internal_error, and the device sends it again', async () => {
    const { db, pipeline, announced } = open();
    db.close();
    const told: (Error | undefined)[] = [];
    const result = await pipeline.ingest('b-1', 'events', encodeCbor({ type: 'fall' }), T0, (err) => told.push(err));
    expect(result).toMatchObject({ action: 'drop', rejection: { reason: 'internal_error' } });
    expect(told).toHaveLength(1);
    expect(told[0]).toBeInstanceOf(Error);
    expect(announced).toEqual([]);
  });

  it('announces a device’s messages in the order they came, even when an earlier write is kept later', async () => {
    let keepEvents!: () => void;
    const { pipeline, announced } = open(new Promise<void>((resolve) => (keepEvents = resolve)));
    const fall = pipeline.ingest('b-1', 'events', encodeCbor({ type: 'fall' }), T0, () => undefined);
    const reading = pipeline.ingest('b-1', 'telemetry', Buffer.from(JSON.stringify({ ts: T0, hr: 40 })), T0 + 1);
    const status = pipeline.ingest('b-1', 'status', encodeCbor({ online: false }), T0 + 2, () => undefined);
    // Nothing after the fall is announced while the fall's write is still pending.
    await Promise.resolve();
    expect(announced).toEqual([]);
    keepEvents();
    expect(await fall).toEqual({ action: 'continue' });
    expect(await reading).toEqual({ action: 'continue' });
    expect(await status).toEqual({ action: 'continue' });
    expect(announced).toEqual(['event b-1 fall', 'reading b-1 hr=40', 'status b-1 online=false']);
  });
});
