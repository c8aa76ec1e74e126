import { describe, expect, it } from 'vitest';
import type { HandoffStore } from '../../gateway/dispatch120/handoff-store.js';
import type { AdapterFactory } from './adapter.js';

const T0 = Date.parse('2026-12-01T08:00:00Z');
const body = (alertId: string): string => JSON.stringify({ alertId, text: 'fall Li Guiying, Building 3' });

export function handoffStoreContract(factory: AdapterFactory<HandoffStore>): void {
  describe(`HandoffStore contract: ${factory.name}`, () => {
    const adapter = factory.setup();

    it('keeps one handoff per alert: the first body stays, a second queue says no', async () => {
      const store = await adapter.open();
      expect(await store.queue('a-1', body('a-1'), T0)).toBe(true);
      expect(await store.queue('a-1', 'another body', T0 + 5_000)).toBe(false);
      expect(await store.get('a-1')).toEqual({
        alertId: 'a-1',
        body: body('a-1'),
        state: 'pending',
        attempt: 0,
        nextAttemptAtMs: T0,
        createdAtMs: T0,
        reference: null,
        lastError: null,
      });
      expect(await store.get('a-2')).toBeUndefined();
    });

    it('hands out pending handoffs due by now, oldest first, up to the limit', async () => {
      const store = await adapter.open();
      await store.queue('a-late', body('a-late'), T0 + 2_000);
      await store.queue('a-first', body('a-first'), T0);
      await store.queue('a-second', body('a-second'), T0 + 1_000);
      expect((await store.due(T0 - 1, 20)).map((h) => h.alertId)).toEqual([]);
      expect((await store.due(T0 + 1_000, 20)).map((h) => h.alertId)).toEqual(['a-first', 'a-second']);
      expect((await store.due(T0 + 2_000, 2)).map((h) => h.alertId)).toEqual(['a-first', 'a-second']);
      expect((await store.due(T0 + 2_000, 20)).map((h) => h.alertId)).toEqual(['a-first', 'a-second', 'a-late']);
    });

    it('a failed attempt waits until its next time; a sent one is never due again and keeps its reference', async () => {
      const store = await adapter.open();
      await store.queue('a-1', body('a-1'), T0);
      await store.queue('a-2', body('a-2'), T0);
      await store.markFailed('a-1', { attempt: 1, nextAttemptAtMs: T0 + 15_000, error: 'HTTP 503' });
      expect((await store.due(T0 + 14_999, 20)).map((h) => h.alertId)).toEqual(['a-2']);
      expect(await store.get('a-1')).toMatchObject({ state: 'pending', attempt: 1, nextAttemptAtMs: T0 + 15_000, lastError: 'HTTP 503' });
      await store.markSent('a-2', 'CAD-2026-0042');
      await store.markSent('a-1', null);
      expect(await store.due(T0 + 60_000, 20)).toEqual([]);
      expect(await store.get('a-2')).toMatchObject({ state: 'sent', attempt: 1, reference: 'CAD-2026-0042' });
      expect(await store.get('a-1')).toMatchObject({ state: 'sent', attempt: 2, reference: null });
    });

    it('keeps pending and sent handoffs across a restart, and the alert key still refuses a second', async () => {
      const first = await adapter.open();
      await first.queue('a-cut-off', body('a-cut-off'), T0);
      await first.queue('a-done', body('a-done'), T0);
      await first.markSent('a-done', 'CAD-1');
      const again = await adapter.reopen();
      expect((await again.due(T0, 20)).map((h) => [h.alertId, h.body])).toEqual([['a-cut-off', body('a-cut-off')]]);
      expect(await again.queue('a-done', body('a-done'), T0 + 1)).toBe(false);
      expect(await again.get('a-done')).toMatchObject({ state: 'sent', reference: 'CAD-1' });
    });
  });
}
