import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { partitionOf } from '../../gateway/cluster/partition-leases.js';
import { partitionsShared } from '../helpers/cluster-partitions.js';
import { fakeClock } from '../helpers/fake-clock.js';
import { startHarness, TEST_PROVISION, type Harness } from '../helpers/gateway-harness.js';
import { PostgresServer, postgresAvailable } from '../helpers/postgres-server.js';
import { waitFor } from '../helpers/wait-for.js';

/** A weekday at 10:00 in Shanghai. */
const T0 = Date.parse('2026-12-08T02:00:00Z');

// A gateway joining takes partitions from the one that held them all: what the last readings did
// to a resident's rules, not yet saved by the periodic save, goes with her.
describe.skipIf(!postgresAvailable())('a planned hand-over of partitions', () => {
  const postgres = new PostgresServer();
  const cleanup: (() => Promise<void>)[] = [];

  beforeAll(() => postgres.start(), 120_000);
  afterAll(() => postgres.stop());
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('the first of two high blood pressure readings, taken by the gateway that gave Li Guiying’s partition up, counts for the one that took it', async () => {
    const url = await postgres.createDatabase(`rebalance_${process.pid}`);
    const db = postgres.pool(url);
    cleanup.push(() => db.end());
    const clock = fakeClock(T0);
    const gateway = async (nodeId: string): Promise<Harness> => {
      const h = await startHarness({ provision: TEST_PROVISION, now: clock.now, overrides: { databaseUrl: url, nodeId, alerts: { tickMs: 60_000 }, cluster: { failoverS: 3 } } });
      cleanup.push(() => h.dispose());
      return h;
    };
    const partition = partitionOf('r1');
    const holderOf = async (): Promise<string | undefined> => (await db.query<{ owner: string }>('SELECT owner FROM cluster_partitions WHERE partition = $1 AND lease_until > now()', [partition])).rows[0]?.owner;

    const east = await gateway('east');
    await waitFor('east holds every partition', () => partitionsShared(db, 1), 60_000);
    const bracelet = await east.device('b-0001');
    // Grade 3 (ESH); the vitals rule raises on the second such reading. Acknowledged once stored and evaluated.
    await bracelet.telemetry({ ts: clock.now(), hr: 88, sbp: 186, dbp: 112 }, 1);

    await gateway('west');
    await waitFor('the partitions shared out between the two', () => partitionsShared(db, 2), 60_000);
    // The higher partitions go to the newcomer: Li Guiying's among them.
    expect(await holderOf()).toBe('west');

    clock.advance(60_000);
    // Her bracelet stays on east, which hands the reading to west.
    await bracelet.telemetry({ ts: clock.now(), hr: 90, sbp: 188, dbp: 114 }, 1);
    await waitFor('her blood pressure alert, raised by west', async () => (await db.query("SELECT 1 FROM alerts WHERE kind = 'vitals' AND subject = 'r1'")).rowCount === 1, 60_000);
  }, 240_000);
});
