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

    it('lets one gateway hold a handoff: another passes it by until the hold ends, the holder takes it again, a sent one is nobody’s', async () => {
      const store = await adapter.open();
      await store.queue('a-1', body('a-1'), T0);
      await store.queue('a-2', body('a-2'), T0 + 1);
      expect((await store.claimDue(T0 + 1, 'east', 15_000, 1)).map((h) => h.alertId)).toEqual(['a-1']);
      expect((await store.claimDue(T0 + 2, 'west', 15_000, 20)).map((h) => h.alertId)).toEqual(['a-2']);
      expect(await store.claimDue(T0 + 3, 'north', 15_000, 20)).toEqual([]);
      // Its holder gets it again (a retry), and so holds it longer.
      expect((await store.claimDue(T0 + 10_000, 'east', 15_000, 20)).map((h) => h.alertId)).toEqual(['a-1']);
      // West died: past its hold, its handoff is another's; east's is still east's.
      expect((await store.claimDue(T0 + 20_000, 'north', 15_000, 20)).map((h) => h.alertId)).toEqual(['a-2']);
      expect((await store.claimDue(T0 + 25_000, 'north', 15_000, 20)).map((h) => h.alertId)).toEqual(['a-1', 'a-2']);
      await store.markSent('a-1', 'CAD-7');
      expect((await store.claimDue(T0 + 100_000, 'east', 15_000, 20)).map((h) => h.alertId)).toEqual(['a-2']);
      // A failed attempt is nobody's until its next time.
      await store.markFailed('a-2', { attempt: 1, nextAttemptAtMs: T0 + 200_000, error: 'HTTP 503' });
      expect(await store.claimDue(T0 + 199_999, 'west', 15_000, 20)).toEqual([]);
      expect((await store.claimDue(T0 + 200_000, 'west', 15_000, 20)).map((h) => [h.alertId, h.attempt])).toEqual([['a-2', 1]]);
    });

    it('renews a hold only for the gateway still holding a pending handoff: one taken over meanwhile is not sent twice', async () => {
      const store = await adapter.open();
      await store.queue('a-1', body('a-1'), T0);
      await store.queue('a-2', body('a-2'), T0 + 1);
      await store.claimDue(T0 + 1, 'east', 15_000, 20);
      expect(await store.renewClaim('a-1', 'east', T0 + 10_000, 15_000)).toBe(true);
      expect(await store.renewClaim('a-1', 'west', T0 + 10_000, 15_000)).toBe(false);
      // East stalls past its renewed hold (T0 + 25 s); west takes the first handoff.
      expect((await store.claimDue(T0 + 26_000, 'west', 15_000, 1)).map((h) => h.alertId)).toEqual(['a-1']);
      expect(await store.renewClaim('a-1', 'east', T0 + 26_001, 15_000)).toBe(false);
      expect(await store.renewClaim('a-1', 'west', T0 + 26_001, 15_000)).toBe(true);
      // East's hold on the second ran out too: it cannot renew it, and anyone may take it.
      expect(await store.renewClaim('a-2', 'east', T0 + 26_002, 15_000)).toBe(false);
      expect((await store.claimDue(T0 + 26_003, 'north', 15_000, 20)).map((h) => h.alertId)).toEqual(['a-2']);
      await store.markSent('a-1', 'CAD-8');
      expect(await store.renewClaim('a-1', 'west', T0 + 26_004, 15_000)).toBe(false);
    });

    it('keeps a sent handoff as the centre took it: a late writer (a gateway that lost its hold) changes nothing', async () => {
      const store = await adapter.open();
      await store.queue('a-1', body('a-1'), T0);
      await store.markSent('a-1', 'CAD-9');
      await store.markFailed('a-1', { attempt: 1, nextAttemptAtMs: T0 + 15_000, error: 'no answer within 5000 ms' });
      await store.markSent('a-1', 'CAD-10');
      expect(await store.get('a-1')).toMatchObject({ state: 'sent', attempt: 1, reference: 'CAD-9', lastError: null });
      expect(await store.claimDue(T0 + 60_000, 'west', 15_000, 20)).toEqual([]);
    });

    it('gives each due handoff to one of several gateways claiming at the same moment', async () => {
      const store = await adapter.open();
      for (let i = 0; i < 40; i++) await store.queue(`a-${i}`, body(`a-${i}`), T0);
      const claims = await Promise.all(['east', 'west', 'north', 'south'].flatMap((who) => [1, 2].map(() => store.claimDue(T0, who, 15_000, 7))));
      // Four gateways, twice each: one may get its own handoff twice, never another's.
      const owners = new Map<string, Set<number>>();
      claims.forEach((handoffs, i) => handoffs.forEach((h) => owners.set(h.alertId, (owners.get(h.alertId) ?? new Set()).add(Math.floor(i / 2)))));
      expect([...owners.values()].every((who) => who.size === 1)).toBe(true);
      expect(owners.size).toBeGreaterThanOrEqual(28);
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
