import { describe, expect, it } from 'vitest';
import type { RejectionCount, RejectionStore } from '../../gateway/ingest/rejection-store.js';
import type { AdapterFactory } from './adapter.js';

const T0 = Date.parse('2026-12-01T08:00:00Z');

function count(deviceId: string, reason: string, n: number, lastAtMs: number, lastMessage = `${reason} from ${deviceId}`): RejectionCount {
  return { deviceId, reason, count: n, lastAtMs, lastMessage };
}

export function rejectionStoreContract(factory: AdapterFactory<RejectionStore>): void {
  describe(`RejectionStore contract: ${factory.name}`, () => {
    const adapter = factory.setup();

    it("gives a device's counts by reason, and nothing of other devices", async () => {
      const store = await adapter.open();
      await store.add([count('b-li', 'out_of_range', 3, T0), count('b-li', 'bad_json', 1, T0 + 5), count('b-wang', 'bad_json', 7, T0)]);
      expect(await store.statsOf('b-li')).toEqual([
        { reason: 'bad_json', count: 1, lastAtMs: T0 + 5, lastMessage: 'bad_json from b-li' },
        { reason: 'out_of_range', count: 3, lastAtMs: T0, lastMessage: 'out_of_range from b-li' },
      ]);
      expect(await store.statsOf('b-none')).toEqual([]);
    });

    it('adds later counts to earlier ones, the last time and message replacing the earlier', async () => {
      const store = await adapter.open();
      await store.add([count('b-li', 'out_of_range', 3, T0, 'hr 900 is out of range')]);
      await store.add([count('b-li', 'out_of_range', 2, T0 + 60_000, 'spo2 140 is out of range')]);
      await store.add([]);
      expect(await store.statsOf('b-li')).toEqual([{ reason: 'out_of_range', count: 5, lastAtMs: T0 + 60_000, lastMessage: 'spo2 140 is out of range' }]);
    });

    it('keeps the counts across a restart, and goes on adding to them', async () => {
      const first = await adapter.open();
      await first.add([count('b-li', 'bad_cbor', 4, T0)]);
      const again = await adapter.reopen();
      await again.add([count('b-li', 'bad_cbor', 1, T0 + 1)]);
      expect(await again.statsOf('b-li')).toEqual([{ reason: 'bad_cbor', count: 5, lastAtMs: T0 + 1, lastMessage: 'bad_cbor from b-li' }]);
    });
  });
}
