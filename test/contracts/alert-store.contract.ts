import { describe, expect, it } from 'vitest';
import type { AlertStore, KeyedAlert } from '../../gateway/alerts/alert-store.js';
import { drillDedupKey } from '../../gateway/alerts/drill-marker.js';
import type { NewPageJob, PageJobStore } from '../../gateway/pager/page-jobs.js';
import type { Alert, TimelineEntry } from '../../rules/safety/index.js';
import type { AdapterFactory } from './adapter.js';

const T0 = Date.parse('2026-12-01T08:00:00Z');

function fall(id: string, createdAt: number, changes: Partial<KeyedAlert> = {}): KeyedAlert {
  return {
    id,
    kind: 'fall',
    severity: 'critical',
    state: 'open',
    // One subject per alert: two alerts open on one key is what the store refuses.
    subject: `res-li-guiying-${id}`,
    grid: 'grid-3',
    createdAt,
    ackedAt: null,
    resolvedAt: null,
    assignee: null,
    occurrences: 1,
    lastOccurredAt: createdAt,
    details: { confidence: 0.93, lat: 31.2, lon: 121.4 },
    timeline: [{ atMs: createdAt, type: 'raised', severity: 'critical', occurrence: 1 }],
    ...changes,
  };
}

function appended(alert: Alert, ...entries: TimelineEntry[]): Alert {
  return { ...alert, timeline: [...alert.timeline, ...entries] };
}

export function alertStoreContract(factory: AdapterFactory<AlertStore>): void {
  describe(`AlertStore contract: ${factory.name}`, () => {
    const adapter = factory.setup();

    it('gives back the alert as saved, and nothing for an unknown id', async () => {
      const store = await adapter.open();
      const alert = fall('a-1', T0);
      await store.save(alert, T0);
      expect(await store.get('a-1')).toEqual(alert);
      expect(await store.get('a-2')).toBeUndefined();
    });

    it('keeps every timeline entry in the order appended, through state changes and a restart', async () => {
      const first = await adapter.open();
      let alert: Alert = fall('a-1', T0);
      await first.save(alert, T0);
      alert = appended(alert, { atMs: T0 + 10, type: 'paged', to: 'w-zhang', channel: 'webhook', step: 0 });
      await first.save(alert, T0 + 10);
      alert = appended(alert, { atMs: T0 + 20, type: 'delivered', to: 'w-zhang', channel: 'webhook' });
      await first.save(alert, T0 + 20);
      alert = { ...appended(alert, { atMs: T0 + 30, type: 'acked', by: 'w-zhang', note: '我马上到 / on my way' }), state: 'acked', ackedAt: T0 + 30 };
      await first.save(alert, T0 + 30);
      const again = await adapter.reopen();
      const back = await again.get('a-1');
      expect(back?.state).toBe('acked');
      expect(back?.timeline.map((e) => [e.atMs - T0, e.type])).toEqual([
        [0, 'raised'],
        [10, 'paged'],
        [20, 'delivered'],
        [30, 'acked'],
      ]);
      expect(back).toEqual(alert);
    });

    it('lists open and acked alerts as the working set, never resolved ones', async () => {
      const store = await adapter.open();
      await store.save(fall('open', T0), T0);
      await store.save(fall('acked', T0 + 1, { state: 'acked', ackedAt: T0 + 2 }), T0 + 2);
      await store.save(fall('resolved', T0 + 3, { state: 'resolved', resolvedAt: T0 + 4 }), T0 + 4);
      const resolvedLater = fall('resolved-later', T0 + 5);
      await store.save(resolvedLater, T0 + 5);
      await store.save({ ...resolvedLater, state: 'resolved', resolvedAt: T0 + 6 }, T0 + 6);
      expect((await store.listActive()).map((a) => a.id).sort()).toEqual(['acked', 'open']);
    });

    it('refuses a second open alert on one key, and takes a new one once the first is resolved', async () => {
      const store = await adapter.open();
      const first = fall('first', T0, { subject: 'res-li-guiying' });
      await store.save(first, T0);
      await expect(async () => store.save(fall('second', T0 + 1, { subject: 'res-li-guiying' }), T0 + 1)).rejects.toThrow();
      expect(await store.get('second')).toBeUndefined();
      // A cabinet's faults: one subject, one kind, separate keys.
      await store.save(fall('battery', T0 + 2, { subject: 'aed-3', kind: 'aed_fault', dedupKey: 'aed_fault:aed-3:battery_low' }), T0 + 2);
      await store.save(fall('pads', T0 + 3, { subject: 'aed-3', kind: 'aed_fault', dedupKey: 'aed_fault:aed-3:pads_expiring' }), T0 + 3);
      await store.save({ ...first, state: 'resolved', resolvedAt: T0 + 4 }, T0 + 4);
      await store.save(fall('second', T0 + 5, { subject: 'res-li-guiying' }), T0 + 5);
      expect((await store.listActive()).map((a) => a.id).sort()).toEqual(['battery', 'pads', 'second']);
    });

    it('lists newest first (created, then id) up to the limit', async () => {
      const store = await adapter.open();
      for (const [id, at] of [['b', T0 + 1], ['a', T0 + 1], ['c', T0], ['d', T0 + 2]] as const) await store.save(fall(id, at), at);
      expect((await store.list({})).map((a) => a.id)).toEqual(['d', 'b', 'a', 'c']);
      expect((await store.list({ limit: 2 })).map((a) => a.id)).toEqual(['d', 'b']);
    });

    it('filters by state, grid, kind, subject and last change', async () => {
      const store = await adapter.open();
      await store.save(fall('fall-g3', T0), T0);
      await store.save(fall('sos-g3', T0 + 1, { kind: 'sos' }), T0 + 100);
      await store.save(fall('fall-g4', T0 + 2, { grid: 'grid-4', subject: 'res-wang-fang', state: 'acked', ackedAt: T0 + 3 }), T0 + 3);
      await store.save(fall('fall-g4-before', T0 - 1, { grid: 'grid-4', subject: 'res-wang-fang', state: 'resolved', resolvedAt: T0 }), T0);
      const ids = async (filter: Parameters<AlertStore['list']>[0]) => (await store.list(filter)).map((a) => a.id);
      expect(await ids({ state: ['acked'] })).toEqual(['fall-g4']);
      expect(await ids({ state: [] })).toEqual([]);
      expect(await ids({ grids: ['grid-3'] })).toEqual(['sos-g3', 'fall-g3']);
      expect(await ids({ kinds: ['sos'] })).toEqual(['sos-g3']);
      expect(await ids({ subject: 'res-wang-fang' })).toEqual(['fall-g4', 'fall-g4-before']);
      expect(await ids({ sinceMs: T0 + 50 })).toEqual(['sos-g3']);
      expect(await ids({ grids: ['grid-3'], kinds: ['fall'] })).toEqual(['fall-g3']);
    });

    it('keeps drill alerts out of lists unless asked for', async () => {
      const store = await adapter.open();
      await store.save(fall('real', T0), T0);
      await store.save(fall('drill', T0 + 1, { dedupKey: drillDedupKey('drill-7'), details: { drill: 'drill-7' } }), T0 + 1);
      expect((await store.list({})).map((a) => a.id)).toEqual(['real']);
      expect((await store.list({ drills: 'include' })).map((a) => a.id)).toEqual(['drill', 'real']);
      expect((await store.list({ drills: 'only' })).map((a) => a.id)).toEqual(['drill']);
    });
  });
}

function page(alertId: string, changes: Partial<NewPageJob> = {}): NewPageJob {
  return {
    alertId,
    step: 0,
    reason: 'step',
    role: 'onDuty',
    routes: [{ to: 'w-zhang', channel: { type: 'webhook', url: 'http://127.0.0.1:9/hook' } }],
    nextAttemptAtMs: T0,
    ...changes,
  };
}

/** A job the outbox cannot take: it has no role (a NOT NULL column in SQL). */
const UNSTORABLE = { role: null as unknown as string };

/** The alert store and the outbox of one database: what the alert store's commit writes together. */
export interface AlertCommitStores {
  alerts: AlertStore;
  jobs: PageJobStore;
}

export function alertCommitContract(factory: AdapterFactory<AlertCommitStores>): void {
  describe(`AlertStore commit (alert, pages, cancellations as one unit): ${factory.name}`, () => {
    const adapter = factory.setup();

    it('writes the alert and the pages it asks for together, and both survive a restart', async () => {
      const { alerts } = await adapter.open();
      const alert = fall('a-1', T0);
      const { jobIds, cancelled } = await alerts.commit({ atMs: T0, alert, jobs: [page('a-1'), page('a-1', { role: 'family' })] });
      expect(jobIds).toHaveLength(2);
      expect(jobIds[1]).toBeGreaterThan(jobIds[0]!);
      expect(cancelled).toBe(0);
      const again = await adapter.reopen();
      expect(await again.alerts.get('a-1')).toEqual(alert);
      expect((await again.jobs.forAlert('a-1')).map((j) => [j.id, j.role, j.state])).toEqual([
        [jobIds[0], 'onDuty', 'pending'],
        [jobIds[1], 'family', 'pending'],
      ]);
    });

    it('writes a change only over what it was made from: a change made from an older copy, or a second open alert of one key, is refused whole', async () => {
      const { alerts, jobs } = await adapter.open();
      const alert = fall('a-1', T0);
      await alerts.commit({ atMs: T0, alert, basedOn: 'new', jobs: [page('a-1')] });
      // Another gateway raised the same resident's fall at the same moment: refused, with its pages.
      const twin = { ...fall('a-2', T0), subject: alert.subject };
      await expect(alerts.commit({ atMs: T0, alert: twin, basedOn: 'new', jobs: [page('a-2')] })).rejects.toMatchObject({ name: 'AlertConflict', alertId: 'a-2' });
      expect(await alerts.get('a-2')).toBeUndefined();
      expect(await jobs.forAlert('a-2')).toEqual([]);
      // Acked on one gateway, from the copy both had...
      const acked: Alert = { ...appended(alert, { atMs: T0 + 60, type: 'acked', by: 'w-zhang' }), state: 'acked', ackedAt: T0 + 60, assignee: 'w-zhang' };
      await alerts.commit({ atMs: T0 + 60, alert: acked, basedOn: alert, cancelPending: ['step'] });
      // ...the other's escalation step, made from the same older copy, is refused with its pages.
      const escalated = appended(alert, { atMs: T0 + 61, type: 'escalated', step: 1 } as TimelineEntry);
      await expect(alerts.commit({ atMs: T0 + 61, alert: escalated, basedOn: alert, jobs: [page('a-1', { step: 1, role: 'backup' })] })).rejects.toMatchObject({ name: 'AlertConflict', alertId: 'a-1' });
      expect(await alerts.get('a-1')).toEqual(acked);
      expect((await jobs.forAlert('a-1')).map((j) => [j.role, j.state])).toEqual([['onDuty', 'cancelled']]);
      // Made again from what is stored, it is written.
      const noted = appended(acked, { atMs: T0 + 62, type: 'note', by: 'w-zhang', text: 'with her now' } as TimelineEntry);
      await alerts.commit({ atMs: T0 + 62, alert: noted, basedOn: acked });
      expect(await alerts.get('a-1')).toEqual(noted);
    });

    it('cancels the pending pages an ack makes unwanted, in the ack\'s own commit', async () => {
      const { alerts, jobs } = await adapter.open();
      const alert = fall('a-1', T0);
      const [step, repage, notice] = (await alerts.commit({ atMs: T0, alert, jobs: [page('a-1'), page('a-1', { reason: 'repage' }), page('a-1', { reason: 'notice', step: null })] })).jobIds;
      const acked: Alert = { ...appended(alert, { atMs: T0 + 60, type: 'acked', by: 'w-zhang' }), state: 'acked', ackedAt: T0 + 60, assignee: 'w-zhang' };
      expect(await alerts.commit({ atMs: T0 + 60, alert: acked, cancelPending: ['step', 'repage'] })).toEqual({ jobIds: [], cancelled: 2 });
      expect(new Map((await jobs.forAlert('a-1')).map((j) => [j.id, j.state]))).toEqual(
        new Map([
          [step, 'cancelled'],
          [repage, 'cancelled'],
          [notice, 'pending'],
        ]),
      );
      expect((await alerts.get('a-1'))?.state).toBe('acked');
    });

    it('takes pages alone (a direct page about an alert already stored)', async () => {
      const { alerts, jobs } = await adapter.open();
      await alerts.save(fall('a-1', T0), T0);
      const { jobIds } = await alerts.commit({ atMs: T0 + 5, jobs: [page('a-1', { reason: 'dispatch', role: 'responder', step: null })] });
      expect((await jobs.forAlert('a-1')).map((j) => [j.id, j.reason])).toEqual([[jobIds[0], 'dispatch']]);
    });

    it('writes neither the alert nor any page when one page cannot be stored', async () => {
      const { alerts, jobs } = await adapter.open();
      const before = fall('a-1', T0);
      const [waiting] = (await alerts.commit({ atMs: T0, alert: before, jobs: [page('a-1')] })).jobIds;
      const escalated = appended(before, { atMs: T0 + 180, type: 'escalated', step: 1, reason: 'step', notify: ['backup'], recipients: ['w-li'] });
      await expect(alerts.commit({ atMs: T0 + 180, alert: escalated, jobs: [page('a-1', { step: 1, role: 'backup' }), page('a-1', { step: 1, ...UNSTORABLE })], cancelPending: ['step'] })).rejects.toThrow();
      // The alert save before the failing insert was rolled back, and so were the first page and the cancellation.
      expect(await alerts.get('a-1')).toEqual(before);
      expect((await jobs.forAlert('a-1')).map((j) => [j.id, j.state])).toEqual([[waiting, 'pending']]);
      expect(await jobs.pendingCount()).toBe(1);

      await expect(alerts.commit({ atMs: T0 + 200, alert: fall('a-2', T0 + 200), jobs: [page('a-2', UNSTORABLE)] })).rejects.toThrow();
      expect(await alerts.get('a-2')).toBeUndefined();
      expect(await alerts.listActive()).toEqual([before]);
    });
  });
}
