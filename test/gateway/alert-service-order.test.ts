import { describe, expect, it } from 'vitest';
import { createAlertMachine, createEscalationPlanner } from '../../rules/safety/index.js';
import { AlertNotesFull, AlertService, peopleNotes } from '../../gateway/alerts/alert-service.js';
import { SqliteAlertStore, type AlertCommit, type AlertCommitResult, type AlertFilter, type AlertStore } from '../../gateway/alerts/alert-store.js';
import { createLogger } from '../../gateway/logger.js';
import { createMetrics } from '../../gateway/metrics.js';
import { PagePlanner } from '../../gateway/pager/page-planning.js';
import { openSqliteRegistry } from '../../gateway/registry/sqlite-registry-store.js';
import type { Alert } from '../../rules/safety/index.js';
import { fakeClock } from '../helpers/fake-clock.js';
import { useTempStores } from '../helpers/temp-store.js';
import { waitFor } from '../helpers/wait-for.js';

/*
 * The alert service over an asynchronous store: a real SQLite alert store whose commits wait until
 * the test lets them through, as a networked database's would wait on the network. Two changes to
 * one alert asked at the same moment must not both read it before either has committed.
 */

const T0 = Date.parse('2026-12-07T02:00:00Z');

/** The SQLite store, with each commit held until released. */
class HeldCommits implements AlertStore {
  readonly waiting: (() => void)[] = [];
  hold = false;
  constructor(private readonly inner: SqliteAlertStore) {}
  async commit(unit: AlertCommit): Promise<AlertCommitResult> {
    if (this.hold) await new Promise<void>((release) => this.waiting.push(release));
    return this.inner.commit(unit);
  }
  save(alert: Alert, atMs: number): Promise<void> {
    return this.inner.save(alert, atMs);
  }
  get(id: string): Promise<Alert | undefined> {
    return this.inner.get(id);
  }
  listActive(): Promise<Alert[]> {
    return this.inner.listActive();
  }
  list(filter: AlertFilter): Promise<Alert[]> {
    return this.inner.list(filter);
  }
  /** Lets the next held commit through, once one is waiting. */
  async releaseNext(): Promise<void> {
    await waitFor('a commit waiting', () => this.waiting.length > 0);
    this.waiting.shift()!();
  }
}

describe('AlertService over an asynchronous store', () => {
  const stores = useTempStores();

  async function service(): Promise<{ alerts: AlertService; store: HeldCommits; inner: SqliteAlertStore }> {
    const db = stores.open();
    const registry = await openSqliteRegistry(db, { secretHashCost: 1024, now: () => T0 });
    const load = registry.beginLoad({
      grids: [{ id: 'g1', name: 'Fuxing Lane', onDuty: ['w-wang'] }],
      workers: [{ id: 'w-wang', name: 'Wang Fang', grids: ['g1'], channels: [] }],
      residents: [{ id: 'r1', name: 'Li Guiying', grid: 'g1', conditions: [] }],
    });
    await load.confirmUnchanged();
    await load.commit();
    const inner = new SqliteAlertStore(db);
    const store = new HeldCommits(inner);
    const clock = fakeClock(T0);
    let ids = 0;
    const alerts = await AlertService.open({
      store,
      registry,
      machine: createAlertMachine({ newId: () => `al-${++ids}` }),
      planner: createEscalationPlanner({ timeZone: 'Asia/Shanghai' }),
      pages: new PagePlanner(registry, 'Asia/Shanghai'),
      metrics: createMetrics(),
      log: createLogger('silent'),
      now: clock.now,
    });
    return { alerts, store, inner };
  }

  it('runs a note and an ack asked together one after the other: both reach the timeline, in the order asked', async () => {
    const { alerts, store, inner } = await service();
    const fall = await alerts.raise({ kind: 'fall', severity: 'critical', subject: 'r1', grid: 'g1', details: {}, occurredAtMs: T0 });
    store.hold = true;
    const heard: string[] = [];
    alerts.events.on('changed', (alert, events) => heard.push(`${events.join(',')} ${alert.timeline.length}`));

    const noted = alerts.note(fall.id, '我马上到 / on my way', 'w-wang');
    const acked = alerts.ack(fall.id, 'w-wang');
    await store.releaseNext();
    await noted;
    // The ack has not read the alert yet; nobody heard of the note before its commit went through.
    expect(store.waiting).toHaveLength(0);
    await store.releaseNext();
    await acked;

    const stored = (await inner.get(fall.id))!;
    expect(stored.state).toBe('acked');
    expect(stored.timeline.slice(-2).map((e) => e.type)).toEqual(['note', 'acked']);
    expect(heard).toEqual([`alertNoted ${stored.timeline.length - 1}`, `alertAcked ${stored.timeline.length}`]);
  });

  it('tells listeners of a change only once its commit has resolved', async () => {
    const { alerts, store } = await service();
    store.hold = true;
    const heard: string[] = [];
    alerts.events.on('changed', (alert, events) => heard.push(`${alert.subject} ${events.join(',')}`));
    const raised = alerts.raise({ kind: 'sos', severity: 'critical', subject: 'r1', grid: 'g1', details: {}, occurredAtMs: T0 });
    await waitFor('the raise to wait on its commit', () => store.waiting.length === 1);
    expect(heard).toEqual([]);
    expect(alerts.activeAlerts()).toEqual([]);
    await store.releaseNext();
    await waitFor('the raise to be heard', () => heard.length > 0);
    expect(heard).toEqual(['r1 alertRaised']);
    expect(alerts.activeAlerts().map((a) => a.subject)).toEqual(['r1']);
    store.hold = false;
    for (const release of store.waiting.splice(0)) release();
    await raised;
  });

  it('counts notes inside the change: of two notes asked together for the last place, one is refused', async () => {
    const { alerts, store, inner } = await service();
    const fall = await alerts.raise({ kind: 'fall', severity: 'critical', subject: 'r1', grid: 'g1', details: {}, occurredAtMs: T0 });
    await alerts.note(fall.id, '已电话联系 / called her', 'w-wang', 2);
    store.hold = true;
    const first = alerts.note(fall.id, '我马上到 / on my way', 'w-wang', 2);
    const second = alerts.note(fall.id, '家属已到 / family is there', 'w-wang', 2);
    await store.releaseNext();
    await first;
    await expect(second).rejects.toBeInstanceOf(AlertNotesFull);
    expect(store.waiting).toHaveLength(0);
    expect(peopleNotes((await inner.get(fall.id))!)).toBe(2);
  });
});
