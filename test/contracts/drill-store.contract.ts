import { describe, expect, it } from 'vitest';
import type { Drill, DrillStore } from '../../gateway/drills/drill-store.js';
import type { AdapterFactory } from './adapter.js';

const T0 = Date.parse('2026-12-01T09:00:00Z');

function drill(id: string, grid: string, startedAtMs: number, changes: Partial<Drill> = {}): Drill {
  return {
    id,
    grid,
    scenario: 'fall',
    at: { lat: 31.2304, lon: 121.4737 },
    resident: 'r-li-guiying',
    aed: null,
    startedBy: 'w-zhang',
    startedAtMs,
    alertId: null,
    raiseAtMs: startedAtMs + 30_000,
    endedAtMs: null,
    endReason: null,
    dispatch: null,
    ...changes,
  };
}

export function drillStoreContract(factory: AdapterFactory<DrillStore>): void {
  describe(`DrillStore contract: ${factory.name}`, () => {
    const adapter = factory.setup();

    it('keeps a drill whole and replaces it whole by id', async () => {
      const store = await adapter.open();
      await store.save(drill('d-1', 'g-fuxing', T0));
      await store.save(drill('d-1', 'g-fuxing', T0, { alertId: 'a-9', endedAtMs: T0 + 60_000, endReason: 'resolved' }));
      expect(await store.get('d-1')).toEqual(drill('d-1', 'g-fuxing', T0, { alertId: 'a-9', endedAtMs: T0 + 60_000, endReason: 'resolved' }));
      expect(await store.get('d-none')).toBeUndefined();
    });

    it('lists newest first (by start, then id), by grid, up to the limit', async () => {
      const store = await adapter.open();
      await store.save(drill('d-a', 'g-fuxing', T0));
      await store.save(drill('d-c', 'g-fuxing', T0 + 1_000));
      await store.save(drill('d-b', 'g-fuxing', T0 + 1_000));
      await store.save(drill('d-x', 'g-anting', T0 + 2_000));
      expect((await store.list(undefined)).map((d) => d.id)).toEqual(['d-x', 'd-c', 'd-b', 'd-a']);
      expect((await store.list(['g-fuxing'])).map((d) => d.id)).toEqual(['d-c', 'd-b', 'd-a']);
      expect((await store.list(['g-fuxing', 'g-anting'], 2)).map((d) => d.id)).toEqual(['d-x', 'd-c']);
      expect(await store.list([])).toEqual([]);
    });

    it("finds the grid's drill started just before, in the same order", async () => {
      const store = await adapter.open();
      await store.save(drill('d-a', 'g-fuxing', T0));
      await store.save(drill('d-b', 'g-fuxing', T0 + 1_000));
      await store.save(drill('d-c', 'g-fuxing', T0 + 1_000));
      await store.save(drill('d-x', 'g-anting', T0 + 500));
      expect((await store.previous(drill('d-c', 'g-fuxing', T0 + 1_000)))?.id).toBe('d-b');
      expect((await store.previous(drill('d-b', 'g-fuxing', T0 + 1_000)))?.id).toBe('d-a');
      expect(await store.previous(drill('d-a', 'g-fuxing', T0))).toBeUndefined();
    });

    it('lists the drills not ended as running, oldest first', async () => {
      const store = await adapter.open();
      await store.save(drill('d-later', 'g-anting', T0 + 1_000));
      await store.save(drill('d-on', 'g-fuxing', T0));
      await store.save(drill('d-off', 'g-fuxing', T0, { endedAtMs: T0 + 1, endReason: 'time_up' }));
      expect((await store.running()).map((d) => d.id)).toEqual(['d-on', 'd-later']);
    });

    it("keeps each person's first ack only, by time then person", async () => {
      const store = await adapter.open();
      await store.save(drill('d-1', 'g-fuxing', T0));
      await store.recordAck('d-1', 'w-zhang', T0 + 5_000);
      await store.recordAck('d-1', 'w-zhang', T0 + 9_000);
      await store.recordAck('d-1', 'vol-wu', T0 + 2_000);
      await store.recordAck('d-1', 'nb-sun', T0 + 5_000);
      expect(await store.acks('d-1')).toEqual([
        { person: 'vol-wu', atMs: T0 + 2_000 },
        { person: 'nb-sun', atMs: T0 + 5_000 },
        { person: 'w-zhang', atMs: T0 + 5_000 },
      ]);
      expect(await store.acks('d-none')).toEqual([]);
    });

    it('keeps drills and acks across a restart', async () => {
      const first = await adapter.open();
      await first.save(drill('d-1', 'g-fuxing', T0, { alertId: 'a-1' }));
      await first.recordAck('d-1', 'w-zhang', T0 + 1);
      const again = await adapter.reopen();
      expect(await again.get('d-1')).toEqual(drill('d-1', 'g-fuxing', T0, { alertId: 'a-1' }));
      expect((await again.running()).map((d) => d.id)).toEqual(['d-1']);
      expect(await again.acks('d-1')).toEqual([{ person: 'w-zhang', atMs: T0 + 1 }]);
    });
  });
}
