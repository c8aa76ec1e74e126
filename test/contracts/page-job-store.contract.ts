import { describe, expect, it } from 'vitest';
import type { NewPageJob, PageJob, PageJobStore } from '../../gateway/pager/page-jobs.js';
import type { AdapterFactory } from './adapter.js';

const T0 = Date.parse('2026-12-01T08:00:00Z');

function job(alertId: string, nextAttemptAtMs: number, changes: Partial<NewPageJob> = {}): NewPageJob {
  return {
    alertId,
    step: 0,
    reason: 'step',
    role: 'onDuty',
    routes: [
      { to: 'w-zhang', channel: { type: 'webhook', url: 'http://127.0.0.1:9/hook' } },
      { to: 'w-zhang', channel: { type: 'sms', phone: '+8613800000000' } },
    ],
    nextAttemptAtMs,
    ...changes,
  };
}

export function pageJobStoreContract(factory: AdapterFactory<PageJobStore>): void {
  describe(`PageJobStore contract: ${factory.name}`, () => {
    const adapter = factory.setup();

    it('keeps an inserted job pending at its first route, with ids growing in insertion order', async () => {
      const store = await adapter.open();
      const first = await store.insert(job('a-1', T0), T0);
      const second = await store.insert(job('a-1', T0, { step: 1, role: 'backup' }), T0 + 1);
      expect(second).toBeGreaterThan(first);
      const jobs = await store.forAlert('a-1');
      expect(jobs).toEqual([
        { id: first, ...job('a-1', T0), routeIndex: 0, attempt: 0, state: 'pending', createdAtMs: T0, lastError: null },
        { id: second, ...job('a-1', T0, { step: 1, role: 'backup' }), routeIndex: 0, attempt: 0, state: 'pending', createdAtMs: T0 + 1, lastError: null },
      ]);
      expect(await store.pendingCount()).toBe(2);
    });

    it('hands out due jobs only, by next attempt then insertion, up to the limit', async () => {
      const store = await adapter.open();
      const late = await store.insert(job('a-1', T0 + 5_000), T0);
      const b = await store.insert(job('a-2', T0 + 1_000), T0);
      const a = await store.insert(job('a-3', T0), T0);
      const c = await store.insert(job('a-4', T0 + 1_000), T0);
      expect((await store.due(T0 - 1)).map((j) => j.id)).toEqual([]);
      expect((await store.due(T0 + 1_000)).map((j) => j.id)).toEqual([a, b, c]);
      expect((await store.due(T0 + 1_000, 2)).map((j) => j.id)).toEqual([a, b]);
      expect((await store.due(T0 + 5_000)).map((j) => j.id)).toEqual([a, b, c, late]);
    });

    it('hands a job out once: delivered, failed or put off, it is not due again at the same time', async () => {
      const store = await adapter.open();
      const ids = [await store.insert(job('a-1', T0), T0), await store.insert(job('a-2', T0), T0), await store.insert(job('a-3', T0), T0)];
      const [delivered, failed, retried] = (await store.due(T0)) as [PageJob, PageJob, PageJob];
      expect([delivered.id, failed.id, retried.id]).toEqual(ids);
      await store.update({ ...delivered, state: 'delivered' }, T0 + 1);
      await store.update({ ...failed, state: 'failed', lastError: 'HTTP 503' }, T0 + 1);
      await store.update({ ...retried, routeIndex: 1, attempt: 1, nextAttemptAtMs: T0 + 30_000, lastError: 'no answer within 5000 ms' }, T0 + 1);
      expect(await store.due(T0 + 29_999)).toEqual([]);
      const [again] = await store.due(T0 + 30_000);
      expect(again).toMatchObject({ id: retried.id, routeIndex: 1, attempt: 1, state: 'pending', lastError: 'no answer within 5000 ms' });
      expect(await store.due(T0 + 1_000_000)).toHaveLength(1);
      expect(await store.pendingCount()).toBe(1);
      expect((await store.forAlert('a-2'))[0]).toMatchObject({ state: 'failed', lastError: 'HTTP 503' });
    });

    it('keeps a finished job finished: a late writer (a pager that lost its hold mid-send, or whose alert was acked) does not reopen it', async () => {
      const store = await adapter.open();
      const sent = await store.insert(job('a-1', T0), T0);
      const acked = await store.insert(job('a-2', T0), T0);
      const [sentJob, ackedJob] = (await store.claimDue(T0, 'east', 15_000)) as [PageJob, PageJob];
      await store.update({ ...sentJob, state: 'delivered' }, T0 + 1_000);
      expect(await store.cancelPending('a-2', ['step'], T0 + 1_000)).toBe(1);
      // East's sends come back failed after all: it would retry them.
      for (const stale of [sentJob, ackedJob]) await store.update({ ...stale, attempt: 1, nextAttemptAtMs: T0 + 2_000, lastError: 'no answer within 5000 ms' }, T0 + 1_500);
      expect((await store.forAlert('a-1')).map((j) => [j.id, j.state, j.attempt])).toEqual([[sent, 'delivered', 0]]);
      expect((await store.forAlert('a-2')).map((j) => [j.id, j.state, j.attempt])).toEqual([[acked, 'cancelled', 0]]);
      expect(await store.claimDue(T0 + 60_000, 'west', 15_000)).toEqual([]);
      expect(await store.pendingCount()).toBe(0);
    });

    it('cancels only the pending jobs of that alert with those reasons', async () => {
      const store = await adapter.open();
      const step = await store.insert(job('a-1', T0), T0);
      const repage = await store.insert(job('a-1', T0 + 60_000, { reason: 'repage' }), T0);
      const notice = await store.insert(job('a-1', T0, { reason: 'notice', step: null, role: 'family' }), T0);
      const done = await store.insert(job('a-1', T0), T0);
      const other = await store.insert(job('a-2', T0), T0);
      const [doneJob] = (await store.forAlert('a-1')).filter((j) => j.id === done);
      await store.update({ ...doneJob!, state: 'delivered' }, T0);
      expect(await store.cancelPending('a-1', ['step', 'repage'], T0 + 1)).toBe(2);
      const states = new Map((await store.forAlert('a-1')).map((j) => [j.id, j.state]));
      expect(states).toEqual(new Map([[step, 'cancelled'], [repage, 'cancelled'], [notice, 'pending'], [done, 'delivered']]));
      expect((await store.due(T0 + 120_000)).map((j) => j.id)).toEqual([notice, other]);
      expect(await store.cancelPending('a-1', ['step'], T0 + 2)).toBe(0);
    });

    it('lets one sender hold a job: another passes it by until the hold ends, the holder takes it again, a finished job is nobody’s', async () => {
      const store = await adapter.open();
      const first = await store.insert(job('a-1', T0), T0);
      const second = await store.insert(job('a-2', T0), T0);
      expect((await store.claimDue(T0, 'east', 15_000, 1)).map((j) => j.id)).toEqual([first]);
      expect((await store.claimDue(T0 + 1, 'west', 15_000)).map((j) => j.id)).toEqual([second]);
      expect(await store.claimDue(T0 + 2, 'north', 15_000)).toEqual([]);
      // Its holder gets it again (a retry after backoff), and so holds it longer.
      expect((await store.claimDue(T0 + 10_000, 'east', 15_000)).map((j) => j.id)).toEqual([first]);
      // West died: past its hold, its job is another's; east's is still east's.
      expect((await store.claimDue(T0 + 20_000, 'north', 15_000)).map((j) => j.id)).toEqual([second]);
      expect((await store.claimDue(T0 + 25_000, 'north', 15_000)).map((j) => j.id)).toEqual([first, second]);
      const [held] = await store.forAlert('a-1');
      await store.update({ ...held!, state: 'delivered' }, T0 + 25_001);
      expect((await store.claimDue(T0 + 100_000, 'east', 15_000)).map((j) => j.id)).toEqual([second]);
      expect((await store.forAlert('a-1'))[0]).toEqual({ ...held, state: 'delivered' });
    });

    it('renews a hold only for the sender still holding every job, pending: one taken over meanwhile is not sent twice', async () => {
      const store = await adapter.open();
      const first = await store.insert(job('a-1', T0), T0);
      const second = await store.insert(job('a-2', T0), T0);
      await store.claimDue(T0, 'east', 15_000);
      expect(await store.renewClaim([first, second], 'east', T0 + 10_000, 15_000)).toBe(true);
      expect(await store.renewClaim([first], 'west', T0 + 10_000, 15_000)).toBe(false);
      // East stalls past its renewed hold (T0 + 25 s); west takes the first job.
      expect((await store.claimDue(T0 + 26_000, 'west', 15_000, 1)).map((j) => j.id)).toEqual([first]);
      expect(await store.renewClaim([first, second], 'east', T0 + 26_001, 15_000)).toBe(false);
      expect(await store.renewClaim([first], 'west', T0 + 26_001, 15_000)).toBe(true);
      // Nothing of east's failed renewal was kept: the second job is free for anyone past its hold.
      expect((await store.claimDue(T0 + 26_002, 'north', 15_000)).map((j) => j.id)).toEqual([second]);
      const [held] = await store.forAlert('a-1');
      await store.update({ ...held!, state: 'delivered' }, T0 + 26_003);
      expect(await store.renewClaim([first], 'west', T0 + 26_004, 15_000)).toBe(false);
    });

    it('gives each due job to one of several senders claiming at the same moment', async () => {
      const store = await adapter.open();
      const ids: number[] = [];
      for (let i = 0; i < 40; i++) ids.push(await store.insert(job(`a-${i}`, T0), T0));
      const claims = await Promise.all(['east', 'west', 'north', 'south'].flatMap((who) => [1, 2].map(() => store.claimDue(T0, who, 15_000, 7))));
      const claimedIds = claims.flat().map((j) => j.id);
      // Four senders, twice each: a sender may get its own job twice, never another's.
      const byOwner = new Map<number, Set<number>>();
      claims.forEach((jobs, i) => jobs.forEach((j) => byOwner.set(j.id, (byOwner.get(j.id) ?? new Set()).add(Math.floor(i / 2)))));
      expect([...byOwner.values()].every((owners) => owners.size === 1)).toBe(true);
      expect(new Set(claimedIds).size).toBeGreaterThanOrEqual(28);
      expect([...new Set(claimedIds)].every((id) => ids.includes(id))).toBe(true);
    });

    it('keeps pending pages across a restart, and new ids stay above the old', async () => {
      const first = await adapter.open();
      const sent = await first.insert(job('a-1', T0), T0);
      const waiting = await first.insert(job('a-1', T0, { step: 1 }), T0);
      const [sentJob] = await first.due(T0, 1);
      await first.update({ ...sentJob!, state: 'delivered' }, T0 + 1);
      const again = await adapter.reopen();
      expect((await again.due(T0)).map((j) => j.id)).toEqual([waiting]);
      expect((await again.forAlert('a-1')).map((j) => [j.id, j.state])).toEqual([
        [sent, 'delivered'],
        [waiting, 'pending'],
      ]);
      expect(await again.insert(job('a-2', T0), T0 + 2)).toBeGreaterThan(waiting);
    });
  });
}
