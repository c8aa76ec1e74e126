import { describe, expect, it } from 'vitest';
import type { AccessEntry, AccessLog } from '../../gateway/audit/access-log.js';
import type { AdapterFactory } from './adapter.js';

const T0 = Date.parse('2026-12-01T08:00:00Z');

function entry(changes: Partial<AccessEntry> = {}): AccessEntry {
  return { atMs: T0, actor: 'w-zhang', role: 'worker', resident: 'r-li-guiying', category: 'profile', action: 'read_alert', ground: 'consent', ...changes };
}

export function accessLogContract(factory: AdapterFactory<AccessLog>): void {
  describe(`AccessLog contract: ${factory.name}`, () => {
    const adapter = factory.setup();

    it('gives back what was recorded, newest recorded first, up to the limit', async () => {
      const log = await adapter.open();
      await log.record([entry({ action: 'read_alerts' })]);
      await log.record([entry({ action: 'read_alert', category: 'location', ground: 'emergency' })]);
      // Recorded last with an earlier time: the order is the order of recording.
      await log.record([entry({ atMs: T0 - 60_000, actor: 'doc-chen', role: 'doctor', action: 'read_vitals', category: 'vitals' })]);
      expect((await log.query({ limit: 10 })).map((e) => e.action)).toEqual(['read_vitals', 'read_alert', 'read_alerts']);
      expect((await log.query({ limit: 2 })).map((e) => e.action)).toEqual(['read_vitals', 'read_alert']);
      expect((await log.query({ limit: 10 }))[1]).toEqual(entry({ action: 'read_alert', category: 'location', ground: 'emergency' }));
    });

    it('keeps the same row twice in one call once, and separate calls apart', async () => {
      const log = await adapter.open();
      await log.record([entry(), entry(), entry({ category: 'location' })]);
      await log.record([entry()]);
      await log.record([]);
      expect((await log.query({ limit: 10 })).map((e) => e.category)).toEqual(['profile', 'location', 'profile']);
    });

    it('filters by resident, actor and a time range [since, until)', async () => {
      const log = await adapter.open();
      await log.record([
        entry({ atMs: T0, resident: 'r-li-guiying' }),
        entry({ atMs: T0 + 1_000, resident: 'r-wang-lan', actor: 'fc-wang-ming', role: 'family' }),
        entry({ atMs: T0 + 2_000, resident: 'r-li-guiying', actor: 'fc-li-ming', role: 'family' }),
      ]);
      expect((await log.query({ resident: 'r-li-guiying', limit: 10 })).map((e) => e.atMs)).toEqual([T0 + 2_000, T0]);
      expect((await log.query({ actor: 'fc-wang-ming', limit: 10 })).map((e) => e.resident)).toEqual(['r-wang-lan']);
      expect((await log.query({ sinceMs: T0 + 1_000, untilMs: T0 + 2_000, limit: 10 })).map((e) => e.atMs)).toEqual([T0 + 1_000]);
      expect(await log.query({ resident: 'r-li-guiying', actor: 'fc-wang-ming', limit: 10 })).toEqual([]);
    });

    it('keeps every row across a restart, in order', async () => {
      const first = await adapter.open();
      await first.record([entry({ action: 'page', actor: 'w-zhang' })]);
      await first.record([entry({ action: 'leave', actor: 'admin', role: 'admin' })]);
      const again = await adapter.reopen();
      expect((await again.query({ limit: 10 })).map((e) => e.action)).toEqual(['leave', 'page']);
    });
  });
}
