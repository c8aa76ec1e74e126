import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { SimulatedDevice } from '../../firmware-sim/device-client.js';
import { startGateway, type Child } from '../../firmware-sim/cluster-processes.js';
import { partitionOf } from '../../gateway/cluster/partition-leases.js';
import { hasBinary, startScratchRedis } from '../helpers/external-server.js';
import { startReceiver } from '../helpers/http-receiver.js';
import { PostgresServer, postgresAvailable } from '../helpers/postgres-server.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { partitionsShared } from '../helpers/cluster-partitions.js';

type Log = (line: string) => void;
type RecordRow = (measure: string, value: string) => void;

const ADMIN = 'failover-bench-admin-token-0123456789';
const NODES = ['east', 'west', 'north'] as const;
const WINDOW_S = 5;

interface Running {
  nodeId: string;
  child: Child;
  mqtt: string;
}

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;

async function until(what: string, probe: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Issue 17's failover measure: three gateway processes on one PostgreSQL and one Redis, falls in
 * rounds of ten (each a resident of her own, bracelets spread over the gateways), and in half the
 * rounds a random gateway killed (kill -9) inside the falls' cancel window, then started again.
 * Every fall must be paged exactly once; for the falls whose holder was killed, the failover time
 * is how late the page came after the window ran out.
 */
export async function failoverBench(log: Log, record: RecordRow, quick: boolean): Promise<void> {
  if (!postgresAvailable() || !hasBinary('redis-server')) {
    log('\n== failover: skipped (postgresql-15 and redis-server are needed)');
    return;
  }
  const rounds = quick ? 4 : 10;
  const perRound = 10;
  const falls = rounds * perRound;
  const failoverS = 15;
  log(`\n== failover: ${falls} falls over three gateways, a random one killed (kill -9) in half the rounds; cancel window ${WINDOW_S} s, cluster.failoverS ${failoverS}`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gw-failover-bench-'));
  const postgres = new PostgresServer();
  const { server: redis, port: redisPort } = await startScratchRedis();
  await postgres.start();
  const receiver = await startReceiver();
  const gateways = new Map<string, Running>();
  const devices: SimulatedDevice[] = [];
  const db = postgres.pool(await postgres.createDatabase('failover_bench'));
  try {
    const residents = Array.from({ length: falls }, (_, i) => `r${i + 1}`);
    writeFileSync(
      path.join(dir, 'provision.yaml'),
      YAML.stringify({
        timeZone: 'Asia/Shanghai',
        rules: { fall: { cancelWindowS: WINDOW_S } },
        grids: [{ id: 'g1', name: 'Fuxing Lane', onDuty: ['w1'], escalation: [{ notify: ['onDuty'], waitS: 3600 }, { notify: ['emergencyGroup'] }] }],
        workers: [{ id: 'w1', name: 'Wang Fang', grids: ['g1'], channels: [{ type: 'webhook', url: receiver.url('/w1') }] }],
        residents: residents.map((id, i) => ({ id, name: `Resident ${i + 1}`, grid: 'g1' })),
        devices: residents.map((id) => ({ id: `b-${id}`, kind: 'bracelet', secret: `secret-${id}-0123456789`, resident: id })),
      }),
    );
    const configFile = path.join(dir, 'gateway.yaml');
    writeFileSync(configFile, YAML.stringify({ cluster: { failoverS }, alerts: { tickMs: 200 }, nodeRed: { enabled: false }, broker: { secretHashCost: 1024 } }));
    const url = postgres.url('failover_bench');
    const start = async (nodeId: string): Promise<void> => {
      const env: Record<string, string> = {
        DATABASE_URL: url,
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
        NODE_ID: nodeId,
        ADMIN_TOKEN: ADMIN,
        HOST: '127.0.0.1',
        MQTT_PORT: '0',
        MQTT_WS_PORT: '0',
        HTTP_PORT: '0',
        LOG_LEVEL: 'warn',
        ...(nodeId === 'east' && !gateways.has('east') ? { PROVISION: path.join(dir, 'provision.yaml') } : {}),
      };
      const { child, ports } = await startGateway(nodeId, path.join(dir, nodeId), env, ['--config', configFile]);
      gateways.set(nodeId, { nodeId, child, mqtt: `mqtt://127.0.0.1:${ports.mqtt}` });
    };
    const settled = (): Promise<boolean> => partitionsShared(db, NODES.length);
    for (const nodeId of NODES) await start(nodeId);
    await until('the partitions shared out', settled, 120_000);

    const random = seededRandom(17);
    const latencyS: number[] = [];
    const failoverTimesS: number[] = [];
    let killedFalls = 0;
    for (let round = 0; round < rounds; round++) {
      const fallers = residents.slice(round * perRound, (round + 1) * perRound);
      const before = receiver.to('/w1').length;
      const { rows: holders } = await db.query<{ partition: number; owner: string }>('SELECT partition, owner FROM cluster_partitions');
      const holderOf = new Map(holders.map((h) => [h.partition, h.owner]));
      // Bracelets spread over the gateways, as a load balancer would.
      const sent: { resident: string; atMs: number }[] = [];
      for (const [i, resident] of fallers.entries()) {
        const gw = gateways.get(NODES[i % NODES.length]!)!;
        const device = await SimulatedDevice.connect({ id: `b-${resident}`, secret: `secret-${resident}-0123456789`, url: gw.mqtt });
        devices.push(device);
        await device.event({ type: 'fall', confidence: 0.95 });
        sent.push({ resident, atMs: Date.now() });
      }
      const kill = round % 2 === 1;
      const victim = kill ? NODES[Math.floor(random() * NODES.length)]! : undefined;
      if (victim !== undefined) {
        await gateways.get(victim)!.child.stop('SIGKILL', 0);
        killedFalls += fallers.filter((r) => holderOf.get(partitionOf(r)) === victim).length;
      }
      await until(`round ${round + 1}'s ${perRound} pages`, () => receiver.to('/w1').length >= before + perRound, (WINDOW_S + failoverS * 3 + 60) * 1000);
      const delivered = async (): Promise<{ subject: string; paged_at: string }[]> =>
        (
          await db.query<{ subject: string; paged_at: string }>(
            "SELECT a.subject, min(j.updated_at_ms) AS paged_at FROM page_jobs j JOIN alerts a ON a.id = j.alert_id WHERE j.state = 'delivered' AND a.subject = ANY($1) GROUP BY a.subject",
            [fallers],
          )
        ).rows;
      // A page is received before its gateway records it delivered (after the receiver's answer).
      await until(`round ${round + 1}'s deliveries recorded`, async () => (await delivered()).length >= perRound, 30_000).catch(() => undefined);
      const rows = await delivered();
      for (const row of rows) {
        const fell = sent.find((s) => s.resident === row.subject)!;
        const s = (Number(row.paged_at) - fell.atMs) / 1000;
        latencyS.push(s);
        if (victim !== undefined && holderOf.get(partitionOf(row.subject)) === victim) failoverTimesS.push(Math.max(0, s - WINDOW_S));
      }
      log(`  round ${round + 1}/${rounds}: ${rows.length}/${perRound} paged${victim === undefined ? '' : `, ${victim} killed`}`);
      for (const d of devices.splice(0)) await d.client.endAsync(true);
      if (victim !== undefined) {
        gateways.delete(victim);
        await start(victim);
        await until('the partitions shared out again', settled, 120_000);
      }
    }
    // Late duplicates would come within a tick or two of the last page; wait a lease past it.
    const settledAt = Date.now();
    await until('a lease past the last round', () => Date.now() - settledAt > failoverS * 1000, failoverS * 2000);
    const { rows: perAlert } = await db.query<{ n: string }>("SELECT count(*) AS n FROM page_jobs WHERE state = 'delivered' GROUP BY alert_id");
    const delivered = perAlert.length;
    const duplicates = receiver.to('/w1').length - delivered + perAlert.reduce((n, r) => n + Number(r.n) - 1, 0);
    const sortedFailover = [...failoverTimesS].sort((a, b) => a - b);
    const sortedLatency = [...latencyS].sort((a, b) => a - b);
    log(`  falls paged: ${delivered}/${falls} (${((delivered / falls) * 100).toFixed(0)} %), pages received ${receiver.to('/w1').length}, duplicates ${duplicates}`);
    log(`  falls whose holder was killed: ${killedFalls}; page after the window ran out: p50 ${percentile(sortedFailover, 50).toFixed(1)} s, p99 ${percentile(sortedFailover, 99).toFixed(1)} s (target p99 ≤ 15 s)`);
    log(`  fall → page, all falls: p50 ${percentile(sortedLatency, 50).toFixed(1)} s, p99 ${percentile(sortedLatency, 99).toFixed(1)} s (the cancel window ${WINDOW_S} s included)`);
    record('failover: falls paged, duplicates', `${delivered}/${falls}, ${duplicates}`);
    record('failover: page after the window, holder killed (p50 / p99)', `${percentile(sortedFailover, 50).toFixed(1)} s / ${percentile(sortedFailover, 99).toFixed(1)} s over ${killedFalls} falls`);
  } finally {
    for (const d of devices) await d.client.endAsync(true).catch(() => undefined);
    for (const gw of gateways.values()) await gw.child.stop('SIGTERM', 10_000);
    await db.end();
    await receiver.close();
    await redis.stop();
    await postgres.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
