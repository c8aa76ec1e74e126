import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LeaseLostError } from '../../gateway/store/fence.js';
import { PostgresAlertStore } from '../../gateway/alerts/postgres-alert-store.js';
import type { Alert } from '../../rules/safety/index.js';
import { PARTITIONS, partitionOf, PartitionLeases } from '../../gateway/cluster/partition-leases.js';
import { sharedClusterStatus } from '../../gateway/cluster/cluster-status.js';
import { createLogger } from '../../gateway/logger.js';
import { migratePostgres, openPostgres, type PostgresPool } from '../../gateway/store/postgres-database.js';
import { PostgresServer, postgresAvailable } from '../helpers/postgres-server.js';
import { waitFor } from '../helpers/wait-for.js';

// Short leases keep the suite quick; every wait is on a condition, with a deadline far above them.
const LEASE_MS = 1_500;
const ROUND_MS = 200;

describe('partitionOf', () => {
  it('spreads ids over every partition, the same id always to the same one', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 5_000; i++) seen.add(partitionOf(`r-${i}`));
    expect(seen.size).toBe(PARTITIONS);
    expect(partitionOf('r-li-guiying')).toBe(partitionOf('r-li-guiying'));
    expect([...seen].every((p) => Number.isInteger(p) && p >= 0 && p < PARTITIONS)).toBe(true);
  });
});

describe.runIf(postgresAvailable())('partition leases in a real PostgreSQL 15', () => {
  const server = new PostgresServer();
  let databases = 0;
  const pools: PostgresPool[] = [];
  const running: PartitionLeases[] = [];
  let url = '';

  beforeAll(() => server.start(), 120_000);
  afterAll(async () => {
    for (const pool of pools) await pool.end();
    await server.stop();
  });
  afterEach(async () => {
    for (const leases of running.splice(0)) await leases.stop().catch(() => undefined);
  });

  const community = async (): Promise<void> => {
    url = await server.createDatabase(`leases_${++databases}`);
    const pool = openPostgres(url);
    pools.push(pool);
    await migratePostgres(pool);
  };
  const instance = async (id: string, options: { monotonicMs?: () => number; leaseMs?: number } = {}): Promise<{ leases: PartitionLeases; pool: PostgresPool }> => {
    const pool = openPostgres(url, { onError: () => undefined });
    pools.push(pool);
    const leases = new PartitionLeases(pool, { instanceId: id, leaseMs: LEASE_MS, roundMs: ROUND_MS, ...options }, createLogger('silent'));
    running.push(leases);
    await leases.start();
    return { leases, pool };
  };
  /** Stops renewing without giving anything back, as a killed process would. */
  const kill = (leases: PartitionLeases): void => {
    running.splice(running.indexOf(leases), 1);
    clearInterval((leases as unknown as { timer: NodeJS.Timeout }).timer);
  };

  it('shares the partitions between live instances, each held by exactly one', async () => {
    await community();
    const [a, b, c] = [await instance('gw-a'), await instance('gw-b'), await instance('gw-c')];
    const all = [a, b, c].map((x) => x.leases);
    // Each takes at most its share, ceil(64 / 3) = 22: 22, 22 and 20.
    await waitFor('every partition held, fairly', () => {
      const counts = all.map((l) => l.partitions().length);
      return counts.reduce((s, n) => s + n, 0) === PARTITIONS && counts.every((n) => n >= 20 && n <= 22) ? counts : undefined;
    }, 30_000);
    const owners = new Map<number, string>();
    for (const l of all) for (const p of l.partitions()) {
      expect(owners.has(p), `partition ${p} held twice`).toBe(false);
      owners.set(p, l.instanceId);
    }
    const view = await sharedClusterStatus(a.pool, 'gw-a', LEASE_MS);
    expect(view.self).toBe('gw-a');
    expect(view.instances.map((i) => [i.id, i.live, i.partitions])).toEqual(all.map((l) => [l.instanceId, true, l.partitions().length]));
  }, 60_000);

  it('gives a dead instance’s partitions to the others once its leases run out, each under a new epoch', async () => {
    await community();
    const a = await instance('gw-a');
    const b = await instance('gw-b');
    await waitFor('shared', () => (a.leases.partitions().length === 32 && b.leases.partitions().length === 32 ? true : undefined), 30_000);
    const gained: number[][] = [];
    b.leases.events.on('gained', (p) => gained.push(p));
    const heldByA = a.leases.partitions();
    const killedAt = performance.now();
    kill(a.leases);
    await waitFor('b holds everything', () => (b.leases.partitions().length === PARTITIONS ? true : undefined), 30_000);
    const failoverMs = performance.now() - killedAt;
    // The lease, one round, and the time a heartbeat takes to age out: well inside a 15 s failover.
    expect(failoverMs).toBeLessThan(LEASE_MS * 2 + 3_000);
    expect(gained.flat().sort((x, y) => x - y)).toEqual(heldByA);
    const epochs = await a.pool.query<{ partition: number; epoch: string; owner: string }>('SELECT partition, epoch, owner FROM cluster_partitions WHERE partition = ANY($1::int[])', [heldByA]);
    expect(epochs.rows.every((r) => r.owner === 'gw-b' && Number(r.epoch) >= 2)).toBe(true);
  }, 60_000);

  it('refuses a fenced write from an instance that lost its lease while stalled, and writes nothing', async () => {
    await community();
    let stalledMs = 0;
    const a = await instance('gw-a', { monotonicMs: () => performance.now() - stalledMs });
    await waitFor('a holds everything', () => (a.leases.partitions().length === PARTITIONS ? true : undefined), 30_000);
    await a.pool.query('CREATE TABLE pages (partition int, note text)');
    const partition = partitionOf('r-li-guiying');
    await a.leases.fenced(partition, (client) => client.query("INSERT INTO pages VALUES ($1, 'while held')", [partition]));

    // Stalled (SIGSTOP): no rounds, and its own clock does not move; another instance takes over.
    kill(a.leases);
    const stalledAt = performance.now();
    const b = await instance('gw-b');
    await waitFor('b holds the partition', () => (b.leases.owns(partition) ? true : undefined), 30_000);
    // Woken (SIGCONT) before it noticed anything: its clock still says the lease is fresh.
    stalledMs = performance.now() - stalledAt;
    expect(a.leases.owns(partition)).toBe(true);
    await expect(a.leases.fenced(partition, (client) => client.query("INSERT INTO pages VALUES ($1, 'after losing it')", [partition]))).rejects.toBeInstanceOf(LeaseLostError);
    await b.leases.fenced(partition, (client) => client.query("INSERT INTO pages VALUES ($1, 'by the new owner')", [partition]));
    const { rows } = await a.pool.query<{ note: string }>('SELECT note FROM pages ORDER BY note');
    expect(rows.map((r) => r.note)).toEqual(['by the new owner', 'while held']);
    // And by its own clock, once time has passed, it knows the lease is gone without asking.
    stalledMs = 0;
    expect(a.leases.owns(partition)).toBe(false);
  }, 60_000);

  it('refuses a rule’s alert and its pages from an instance that lost the lease: nothing of it is written', async () => {
    await community();
    let stalledMs = 0;
    const a = await instance('gw-a', { monotonicMs: () => performance.now() - stalledMs });
    await waitFor('a holds everything', () => (a.leases.partitions().length === PARTITIONS ? true : undefined), 30_000);
    const partition = partitionOf('r-li-guiying');
    const staleFence = a.leases.fenceOf(partition)!;
    kill(a.leases);
    const stalledAt = performance.now();
    const b = await instance('gw-b');
    await waitFor('b holds the partition', () => (b.leases.owns(partition) ? true : undefined), 30_000);
    stalledMs = performance.now() - stalledAt;

    const fall = (id: string): Alert => ({
      id, kind: 'fall', severity: 'critical', state: 'open', subject: 'r-li-guiying', grid: 'g1', createdAt: 1, ackedAt: null, resolvedAt: null, assignee: null,
      occurrences: 1, lastOccurredAt: 1, details: { confidence: 0.9 }, timeline: [{ atMs: 1, type: 'raised', severity: 'critical', occurrence: 1 }],
    });
    const page = (alertId: string) => ({ alertId, step: 0, reason: 'step' as const, role: 'onDuty', routes: [], nextAttemptAtMs: 1 });
    const stale = new PostgresAlertStore(a.pool);
    await expect(stale.commit({ atMs: 1, alert: fall('a-stale'), basedOn: 'new', fence: staleFence, jobs: [page('a-stale')] })).rejects.toBeInstanceOf(LeaseLostError);
    const current = new PostgresAlertStore(b.pool);
    const { jobIds } = await current.commit({ atMs: 2, alert: fall('a-held'), basedOn: 'new', fence: b.leases.fenceOf(partition)!, jobs: [page('a-held'), page('a-held')] });
    expect(jobIds).toHaveLength(2);
    const alerts = await a.pool.query<{ id: string }>('SELECT id FROM alerts');
    const jobs = await a.pool.query<{ alert_id: string }>('SELECT alert_id FROM page_jobs');
    expect(alerts.rows.map((r) => r.id)).toEqual(['a-held']);
    expect(jobs.rows.map((r) => r.alert_id)).toEqual(['a-held', 'a-held']);
  }, 60_000);

  it('hands partitions over at once on a planned stop, and to a newcomer after one round', async () => {
    await community();
    // Long leases: a handover that waited for one to run out would take 20 s.
    const a = await instance('gw-a', { leaseMs: 20_000 });
    await waitFor('a holds everything', () => (a.leases.partitions().length === PARTITIONS ? true : undefined), 30_000);
    const b = await instance('gw-b', { leaseMs: 20_000 });
    await waitFor('a newcomer gets its share', () => (b.leases.partitions().length === 32 && a.leases.partitions().length === 32 ? true : undefined), 30_000);
    running.splice(running.indexOf(a.leases), 1);
    await a.leases.stop();
    const stoppedAt = performance.now();
    await waitFor('b holds everything', () => (b.leases.partitions().length === PARTITIONS ? true : undefined), 30_000);
    expect(performance.now() - stoppedAt).toBeLessThan(10_000);
    const view = await sharedClusterStatus(b.pool, 'gw-b', 20_000);
    expect(view.instances.find((i) => i.id === 'gw-a')).toMatchObject({ live: false, partitions: 0 });
    expect(view.instances.find((i) => i.id === 'gw-b')).toMatchObject({ live: true, partitions: PARTITIONS });
  }, 60_000);
});
