import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { partitionOf } from '../../gateway/cluster/partition-leases.js';
import { encodeCbor } from '../../sensors/index.js';
import { freePort, hasBinary, startScratchRedis } from '../helpers/external-server.js';
import { PostgresServer, postgresAvailable } from '../helpers/postgres-server.js';
import { benchProvision, bracelets, JobProcess, LoadGenerator, PAYLOAD } from './bench-processes.js';
import type { GatewayJob, GatewayStarted } from './gateway-process.js';
import type { FallsResult, PublishResult } from './load-process.js';
import { partitionsShared } from '../helpers/cluster-partitions.js';

type Log = (line: string) => void;
type RecordRow = (measure: string, value: string) => void;

const NODES = ['east', 'west', 'north'] as const;
const RATE = Number(process.env.BENCH_CLUSTER_RATE ?? 10_000);
const percentile = (xs: readonly number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)] ?? Number.NaN;

/**
 * Issue 17's latency measure: fall PUBLISH to the worker's page with three gateway processes on one
 * PostgreSQL and one Redis, 10,000 readings/s spread over the three. The falls reach the first
 * gateway; two residents in three are evaluated by another one (the fall through the inbox, the
 * readings over Redis). Run it with
 * `latency` in the same command for the one-gateway figures on SQLite and PostgreSQL.
 */
export async function clusterLatencyBench(log: Log, record: RecordRow, quick: boolean): Promise<void> {
  if (!postgresAvailable() || !hasBinary('redis-server')) {
    log('\n== fall to page on three gateways: skipped (postgresql-15 and redis-server are needed)');
    return;
  }
  const FALLS = quick ? 40 : 200;
  log(`\n== fall to page on three gateways (one PostgreSQL, one Redis): ${FALLS} falls to the first gateway, ${RATE.toLocaleString('en')} readings/s over the three`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gw-cluster-latency-'));
  const postgres = new PostgresServer();
  const { server: redis, port: redisPort } = await startScratchRedis();
  await postgres.start();
  const databaseUrl = await postgres.createDatabase('cluster_latency');
  const db = postgres.pool(databaseUrl);
  const gateways = NODES.map(() => new JobProcess<GatewayJob>('gateway-process.ts', ['--expose-gc', '--import', 'tsx']));
  const loads = NODES.map(() => new LoadGenerator());
  const fallGenerator = new LoadGenerator();
  try {
    const load = bracelets(120);
    const fallers = bracelets(FALLS, 'f');
    const webhookPort = await freePort();
    const provisionFile = path.join(dir, 'provision.json');
    writeFileSync(provisionFile, JSON.stringify(benchProvision([...load, ...fallers], `http://127.0.0.1:${webhookPort}/w1`, `http://127.0.0.1:${webhookPort}/family`)));
    const redisUrl = `redis://127.0.0.1:${redisPort}`;
    const started: GatewayStarted[] = [];
    for (const [i, nodeId] of NODES.entries()) {
      // Each with the provision file, as a deployment runs them: the devices' secrets are then checked
      // at once, where a gateway without it checks each new device's secret once, slowly (the guard).
      const job: GatewayJob = { type: 'start', dataDir: path.join(dir, nodeId), provisionFile, redisUrl, databaseUrl, nodeId, secretHashCost: 1024 };
      started.push(await gateways[i]!.run<GatewayStarted>(job));
    }
    for (const deadline = Date.now() + 120_000; ; ) {
      if (await partitionsShared(db, NODES.length)) break;
      if (Date.now() > deadline) throw new Error('the partitions were not shared out among the three gateways');
      await new Promise((r) => setTimeout(r, 200));
    }
    const { rows: owners } = await db.query<{ partition: number; owner: string }>('SELECT partition, owner FROM cluster_partitions');
    const ownerOf = new Map(owners.map((o) => [o.partition, o.owner]));
    const durationMs = 20_000 + FALLS * 150;
    const background = NODES.map((_, i) =>
      loads[i]!.publishAnnounced({
        type: 'publish',
        port: started[i]!.mqttPort,
        devices: load.slice(i * 40, (i + 1) * 40).map(({ id, secret }) => ({ id, secret })),
        rate: Math.round(RATE / NODES.length),
        durationMs,
        qos: 0,
        payloadHex: PAYLOAD.toString('hex'),
        // Said once publishing starts: the falls begin with the background flowing.
        idleMs: 1_000,
      }),
    );
    await Promise.all(background.map((b) => b.publishing));
    const result = await fallGenerator.run<FallsResult>({
      type: 'falls',
      port: started[0]!.mqttPort,
      devices: fallers.map(({ id, secret, resident }) => ({ id, secret, resident })),
      webhookPort,
      family: true,
      gapMs: 40,
      payloadHex: encodeCbor({ type: 'fall', confidence: 0.95 }).toString('hex'),
    });
    for (const l of loads) l.stopPublishing();
    const done = await Promise.all(background.map((b) => b.done as Promise<PublishResult>));
    const achieved = done.reduce((n, d) => n + d.sent / (d.elapsedMs / 1000), 0);
    const latencies = result.latenciesMs;
    // Falls evaluated where they arrived, and falls handed through the inbox to another gateway.
    const local = latencies.filter((_, i) => ownerOf.get(partitionOf(fallers[i]!.resident)) === NODES[0]);
    const forwarded = latencies.filter((_, i) => ownerOf.get(partitionOf(fallers[i]!.resident)) !== NODES[0]);
    // Which fall a latency is of is known only when every fall was paged.
    if (fallers.length === latencies.length) {
      log(`  evaluated where they arrived: ${local.length}, p50 ${percentile(local, 50).toFixed(1)} ms; handed to another gateway: ${forwarded.length}, p50 ${percentile(forwarded, 50).toFixed(1)} ms, p99 ${percentile(forwarded, 99).toFixed(1)} ms`);
    }
    const slowest = latencies.map((ms, i) => ({ ms, i })).sort((a, b) => b.ms - a.ms).slice(0, 8);
    log(`  slowest: ${slowest.map((s) => `fall #${s.i + 1} ${s.ms.toFixed(1)} ms`).join(', ')}`);
    log(`  fall to page: p50 ${percentile(latencies, 50).toFixed(1)} ms, p90 ${percentile(latencies, 90).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${percentile(latencies, 100).toFixed(1)} ms, ${latencies.length} of ${FALLS} paged; family p99 ${percentile(result.familyLatenciesMs, 99).toFixed(1)} ms; background ${Math.round(achieved)} readings/s`);
    record('fall to page, three gateways on PostgreSQL, p50', `${percentile(latencies, 50).toFixed(1)} ms`);
    record('fall to page, three gateways on PostgreSQL, p99', `${percentile(latencies, 99).toFixed(1)} ms`);
    record('fall to page, three gateways: pages received', `${latencies.length} of ${FALLS}`);
    record('background load achieved over three gateways', `${Math.round(achieved)} readings/s`);
  } finally {
    fallGenerator.close();
    for (const l of loads) l.close();
    for (const g of gateways) g.close();
    await db.end();
    await redis.stop();
    await postgres.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
