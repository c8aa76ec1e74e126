import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertMachine, type Alert } from '../../../rules/safety/index.js';
import { createLogger } from '../../../gateway/logger.js';
import { createMetrics } from '../../../gateway/metrics.js';
import { createChannelSender } from '../../../gateway/pager/channels.js';
import { SqlitePageJobStore, type PageJob } from '../../../gateway/pager/page-jobs.js';
import { PagePlanner } from '../../../gateway/pager/page-planning.js';
import { Pager, type DeliveryReport, type PageComposer } from '../../../gateway/pager/pager.js';
import type { CachedRegistry } from '../../../gateway/registry/registry.js';
import { openSqliteRegistry } from '../../../gateway/registry/sqlite-registry-store.js';
import { fakeClock } from '../../helpers/fake-clock.js';
import { startReceiver, type HttpReceiver } from '../../helpers/http-receiver.js';
import { useTempStores } from '../../helpers/temp-store.js';

/*
 * Page planning and delivery on their own, with no alert service: the planner turns an escalation
 * step into outbox jobs; the pager sends them to a real HTTP receiver and only reports what became
 * of them (it has no way to change an alert).
 */

const T0 = Date.parse('2026-12-07T02:00:00Z');

describe('page planning and the pager, one way', () => {
  const stores = useTempStores();
  let receiver: HttpReceiver;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => receiver.close());

  async function community(dir = stores.dir()): Promise<{ registry: CachedRegistry; jobs: SqlitePageJobStore }> {
    const db = stores.open(dir);
    const registry = await openSqliteRegistry(db, { secretHashCost: 1024, now: () => T0 });
    const hook = (path: string) => ({ type: 'webhook', url: receiver.url(path) });
    const load = registry.beginLoad({
      grids: [{ id: 'g1', name: 'Fuxing Lane', onDuty: ['w-wang', 'w-liu'], backup: ['w-zhao'] }],
      workers: [
        { id: 'w-wang', name: 'Wang Fang', grids: ['g1'], channels: [hook('/wang-app'), hook('/wang-backup')] },
        { id: 'w-liu', name: 'Liu Yang', grids: ['g1'], channels: [hook('/liu')] },
        { id: 'w-zhao', name: 'Zhao Lei', grids: ['g1'], channels: [] },
      ],
      residents: [
        {
          id: 'r1',
          name: 'Li Guiying',
          grid: 'g1',
          conditions: [],
          contacts: [
            { id: 'son', name: 'Chen Jun', relation: 'son', channels: [hook('/chen')] },
            { id: 'niece', name: 'Chen Mei', relation: 'niece', channels: [] },
          ],
        },
      ],
    });
    await load.confirmUnchanged();
    await load.commit();
    return { registry, jobs: new SqlitePageJobStore(db) };
  }

  const fall = (): Alert =>
    createAlertMachine({ newId: () => 'al-1' }).raise(undefined, { kind: 'fall', severity: 'critical', subject: 'r1', grid: 'g1', details: {}, occurredAtMs: T0 }).alert;

  it('plans a step: on-duty workers as one first-reachable job, each family member alone, and says who has no channel', async () => {
    const { registry } = await community();
    const plan = new PagePlanner(registry, 'Asia/Shanghai').forAction(fall(), { type: 'page', step: 0, reason: 'step', notify: ['family', 'onDuty', 'backup'], recipients: [] }, T0);
    expect(plan.jobs.map((j) => [j.role, j.routes.map((r) => `${r.to} ${(r.channel as { url: string }).url.replace(receiver.baseUrl, '')}`)])).toEqual([
      ['family', ['contact:r1:son /chen']],
      ['onDuty', ['w-wang /wang-app', 'w-wang /wang-backup', 'w-liu /liu']],
    ]);
    expect(plan.noChannel).toEqual([
      { role: 'family', people: ['contact:r1:niece'] },
      { role: 'backup', people: ['w-zhao'] },
    ]);
  });

  it('sends a job down its routes and reports each outcome in order, never touching an alert', async () => {
    const { registry, jobs } = await community();
    const clock = fakeClock(T0);
    receiver.answer('/wang-app', 503);
    const composed: string[] = [];
    const compose: PageComposer = {
      page: async (job, person) => (composed.push(person.name), { type: 'page', text: `Fall: Li Guiying, Building 3 (job ${job.id})`, alert: { id: job.alertId, severity: 'critical' } }),
      wantsDigest: async () => true,
      digest: async (group) => ({ type: 'digest', text: `${group.length} alerts` }),
    };
    const pager = new Pager({ jobs, send: createChannelSender({ webhookTimeoutMs: 5_000, publishMqtt: async () => undefined }), registry, compose, retry: { maxAttempts: 1, backoffMs: 1000 }, claim: { claimant: 'this-gateway', holdMs: 15_000 }, metrics: createMetrics(), log: createLogger('silent'), now: clock.now });
    const reports: DeliveryReport[] = [];
    pager.events.on('delivery', (r) => reports.push(r));
    const [job] = new PagePlanner(registry, 'Asia/Shanghai').forAction(fall(), { type: 'page', step: 0, reason: 'step', notify: ['onDuty'], recipients: [] }, T0).jobs;
    const id = await jobs.insert(job!, T0);
    await pager.runDue();
    expect(reports.map((r) => `${r.alertId} ${r.outcome.type} ${'to' in r.outcome ? r.outcome.to : ''}`)).toEqual([
      'al-1 paged w-wang',
      'al-1 failed w-wang',
      'al-1 paged w-wang',
      'al-1 delivered w-wang',
    ]);
    expect(reports[1]!.outcome).toMatchObject({ code: 'refused', attempt: 1, maxAttempts: 1 });
    expect(composed).toEqual(['Wang Fang', 'Wang Fang']);
    expect(receiver.to('/wang-backup').map((r) => r.headers['idempotency-key'])).toEqual([`page-${id}-1`]);
    expect((await jobs.forAlert('al-1')).map((j: PageJob) => [j.state, j.routeIndex])).toEqual([['delivered', 1]]);
  });

  it('reports a job that no route delivers as unreachable, naming everyone it tried, and cancels a job whose alert is gone', async () => {
    const { registry, jobs } = await community();
    const clock = fakeClock(T0);
    for (const path of ['/wang-app', '/wang-backup', '/liu']) receiver.answer(path, 500);
    const gone = new Set(['al-gone']);
    const compose: PageComposer = {
      page: async (job) => (gone.has(job.alertId) ? undefined : { type: 'page', text: 'Fall: Li Guiying' }),
      wantsDigest: async () => true,
      digest: async () => ({ type: 'digest', text: '' }),
    };
    const pager = new Pager({ jobs, send: createChannelSender({ webhookTimeoutMs: 5_000, publishMqtt: async () => undefined }), registry, compose, retry: { maxAttempts: 1, backoffMs: 1000 }, claim: { claimant: 'this-gateway', holdMs: 15_000 }, metrics: createMetrics(), log: createLogger('silent'), now: clock.now });
    const reports: DeliveryReport[] = [];
    pager.events.on('delivery', (r) => reports.push(r));
    const [job] = new PagePlanner(registry, 'Asia/Shanghai').forAction(fall(), { type: 'page', step: 0, reason: 'step', notify: ['onDuty'], recipients: [] }, T0).jobs;
    await jobs.insert(job!, T0);
    await jobs.insert({ ...job!, alertId: 'al-gone' }, T0);
    await pager.runDue();
    expect(reports.filter((r) => r.outcome.type === 'unreachable')).toEqual([{ alertId: 'al-1', outcome: { type: 'unreachable', atMs: T0, people: ['w-wang', 'w-liu'] } }]);
    expect(reports.filter((r) => r.alertId === 'al-gone')).toEqual([]);
    expect((await jobs.forAlert('al-1'))[0]!.state).toBe('failed');
    expect((await jobs.forAlert('al-gone'))[0]!.state).toBe('cancelled');
  });
});
