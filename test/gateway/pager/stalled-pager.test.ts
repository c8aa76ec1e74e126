import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../gateway/logger.js';
import { createMetrics } from '../../../gateway/metrics.js';
import { createChannelSender } from '../../../gateway/pager/channels.js';
import { PostgresPageJobStore } from '../../../gateway/pager/postgres-page-jobs.js';
import { Pager, type DeliveryReport, type PageComposer } from '../../../gateway/pager/pager.js';
import { openSqliteRegistry } from '../../../gateway/registry/sqlite-registry-store.js';
import { migratePostgres, openPostgres, type PostgresPool } from '../../../gateway/store/postgres-database.js';
import { fakeClock } from '../../helpers/fake-clock.js';
import { startReceiver, type HttpReceiver } from '../../helpers/http-receiver.js';
import { PostgresServer, postgresAvailable } from '../../helpers/postgres-server.js';
import { useTempStores } from '../../helpers/temp-store.js';

const T0 = Date.parse('2026-12-07T02:00:00Z');
const HOLD_MS = 15_000;

// Two gateways' pagers on one PostgreSQL outbox. One is held up mid-page (a paused process, a
// long GC) past its hold; the other takes the job over and sends it. When the first wakes up it
// must not send the page again.
describe.skipIf(!postgresAvailable())('a pager held up past its hold on a shared outbox', () => {
  const stores = useTempStores();
  const server = new PostgresServer();
  let pool: PostgresPool;
  let receiver: HttpReceiver;

  beforeAll(async () => {
    await server.start();
    pool = openPostgres(await server.createDatabase('stalled_pager'));
    await migratePostgres(pool);
    receiver = await startReceiver();
  }, 120_000);
  afterAll(async () => {
    await receiver?.close();
    await pool?.end();
    await server.stop();
  });

  it('does not send a page another gateway took over and sent while it was held up', async () => {
    const registry = await openSqliteRegistry(stores.open(), { secretHashCost: 1024, now: () => T0 });
    const load = registry.beginLoad({
      grids: [{ id: 'g1', name: 'Fuxing Lane', onDuty: ['w-wang'] }],
      workers: [{ id: 'w-wang', name: 'Wang Fang', grids: ['g1'], channels: [{ type: 'webhook', url: receiver.url('/wang') }] }],
    });
    await load.confirmUnchanged();
    await load.commit();
    const jobs = new PostgresPageJobStore(pool);
    const clock = fakeClock(T0);
    let wake!: () => void;
    const heldUp = new Promise<void>((resolve) => (wake = resolve));
    let eastComposing!: () => void;
    const eastReachedCompose = new Promise<void>((resolve) => (eastComposing = resolve));
    const composer = (stall: boolean): PageComposer => ({
      page: async (job) => {
        if (stall) {
          eastComposing();
          await heldUp;
        }
        return { type: 'page', text: 'Fall: Li Guiying, Building 3', alert: { id: job.alertId, severity: 'critical' } };
      },
      wantsDigest: async () => true,
      digest: async () => ({ type: 'digest', text: '' }),
    });
    const pagerOf = (claimant: string, stall: boolean): { pager: Pager; reports: DeliveryReport[] } => {
      const pager = new Pager({
        jobs,
        send: createChannelSender({ webhookTimeoutMs: 5_000, publishMqtt: async () => undefined }),
        registry,
        compose: composer(stall),
        retry: { maxAttempts: 2, backoffMs: 1000 },
        claim: { claimant, holdMs: HOLD_MS },
        metrics: createMetrics(),
        log: createLogger('silent'),
        now: clock.now,
      });
      const reports: DeliveryReport[] = [];
      pager.events.on('delivery', (r) => reports.push(r));
      return { pager, reports };
    };
    const east = pagerOf('east', true);
    const west = pagerOf('west', false);
    await jobs.insert({ alertId: 'al-1', step: 0, reason: 'step', role: 'onDuty', routes: [{ to: 'w-wang', channel: { type: 'webhook', url: receiver.url('/wang') } }], nextAttemptAtMs: T0 }, T0);

    const eastRun = east.pager.runDue();
    await eastReachedCompose;
    // West finds the job held by east, then, past the hold, takes it over and sends it.
    await west.pager.runDue();
    expect(receiver.to('/wang')).toEqual([]);
    clock.advance(HOLD_MS + 5_000);
    await west.pager.runDue();
    expect(receiver.to('/wang')).toHaveLength(1);
    expect(west.reports.map((r) => r.outcome.type)).toEqual(['paged', 'delivered']);

    wake();
    await eastRun;
    expect(receiver.to('/wang')).toHaveLength(1);
    expect(east.reports).toEqual([]);
    expect((await jobs.forAlert('al-1')).map((j) => j.state)).toEqual(['delivered']);
  }, 120_000);
});
