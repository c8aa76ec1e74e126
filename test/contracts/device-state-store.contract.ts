import { describe, expect, it } from 'vitest';
import type { DeviceStateStore } from '../../gateway/ingest/device-state-store.js';
import type { DeviceEvent, StatusUpdate } from '../../sensors/index.js';
import type { AdapterFactory } from './adapter.js';

const T0 = Date.parse('2026-12-01T08:00:00Z');

function fallEvent(deviceId: string, tsMs: number, receivedAtMs = tsMs): DeviceEvent {
  return { deviceId, kind: 'bracelet', tsMs, receivedAtMs, event: { type: 'fall', confidence: 0.9 } };
}

function status(deviceId: string, atMs: number, changes: Partial<StatusUpdate> = {}): StatusUpdate {
  return { deviceId, kind: 'bracelet', tsMs: atMs, receivedAtMs: atMs, online: true, ...changes };
}

export function deviceStateStoreContract(factory: AdapterFactory<DeviceStateStore>): void {
  describe(`DeviceStateStore contract: ${factory.name}`, () => {
    const adapter = factory.setup();

    it('numbers events in arrival order and lists them by device time, then arrival', async () => {
      const store = await adapter.open();
      const first = await store.recordEvent(fallEvent('b-1', T0 + 20));
      const second = await store.recordEvent(fallEvent('b-1', T0 + 10));
      const third = await store.recordEvent(fallEvent('b-1', T0 + 10, T0 + 30));
      await store.recordEvent(fallEvent('b-2', T0 + 15));
      expect(second).toBeGreaterThan(first);
      expect(third).toBeGreaterThan(second);
      const events = await store.events('b-1', T0, T0 + 100, 10);
      expect(events.map((e) => [e.tsMs - T0, e.receivedAtMs - T0])).toEqual([
        [10, 10],
        [10, 30],
        [20, 20],
      ]);
      expect(events[0]!.event).toEqual({ type: 'fall', confidence: 0.9 });
    });

    it('lists events within the time range, both ends included, up to the limit', async () => {
      const store = await adapter.open();
      for (const t of [0, 10, 20, 30]) await store.recordEvent(fallEvent('b-1', T0 + t));
      expect((await store.events('b-1', T0 + 10, T0 + 30, 10)).map((e) => e.tsMs - T0)).toEqual([10, 20, 30]);
      expect((await store.events('b-1', T0 + 10, T0 + 30, 2)).map((e) => e.tsMs - T0)).toEqual([10, 20]);
      expect(await store.events('b-9', T0, T0 + 30, 10)).toEqual([]);
    });

    it('keeps the latest status, and the battery and firmware a later status leaves out', async () => {
      const store = await adapter.open();
      expect(await store.statusOf('b-1')).toBeUndefined();
      await store.recordStatus(status('b-1', T0, { bat: 80, fw: '1.2.0' }));
      await store.recordStatus(status('b-1', T0 + 60_000, { online: false }));
      expect(await store.statusOf('b-1')).toEqual({ online: false, bat: 80, fw: '1.2.0', changedAtMs: T0 + 60_000, lastSeenMs: T0 + 60_000 });
      await store.recordStatus(status('b-1', T0 + 120_000, { bat: 79 }));
      expect(await store.statusOf('b-1')).toMatchObject({ online: true, bat: 79, fw: '1.2.0' });
    });

    it('knows when a device was last heard from, and keeps it across a restart once flushed', async () => {
      const first = await adapter.open();
      await first.recordStatus(status('b-1', T0));
      await first.seen('b-1', T0 + 5_000);
      await first.seen('b-2', T0 + 7_000);
      expect(await first.lastSeenMs('b-1')).toBe(T0 + 5_000);
      expect((await first.statusOf('b-1'))?.lastSeenMs).toBe(T0 + 5_000);
      await first.flush();
      await first.recordEvent(fallEvent('b-1', T0 + 6_000));
      const again = await adapter.reopen();
      expect(await again.lastSeenMs('b-1')).toBe(T0 + 5_000);
      expect(await again.lastSeenMs('b-2')).toBe(T0 + 7_000);
      expect((await again.events('b-1', T0, T0 + 10_000, 10)).map((e) => e.tsMs - T0)).toEqual([6_000]);
    });

    it('never moves last heard backwards in the record', async () => {
      const first = await adapter.open();
      await first.seen('b-1', T0 + 5_000);
      await first.flush();
      const again = await adapter.reopen();
      await again.seen('b-1', T0 + 1_000);
      await again.flush();
      expect((await (await adapter.reopen()).statusOf('b-1'))?.lastSeenMs).toBe(T0 + 5_000);
    });

    it('forgets removed devices', async () => {
      const store = await adapter.open();
      await store.seen('b-1', T0);
      await store.forget(['b-1']);
      expect(await store.lastSeenMs('b-1')).toBeUndefined();
    });
  });
}
