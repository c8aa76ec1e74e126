import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SimulatedDevice } from '../../firmware-sim/device-client.js';
import { groupGone } from '../../firmware-sim/cluster-processes.js';
import { serverAvailable } from '../helpers/external-server.js';
import { postgresAvailable } from '../helpers/postgres-server.js';
import { waitFor } from '../helpers/wait-for.js';

const root = path.resolve(import.meta.dirname, '../..');
const TOKEN = 'cluster-test-admin-token-0123456789abcdef';

interface ClusterFile {
  pid: number;
  postgres: { pid: number };
  redis: { pid: number };
  gateways: { nodeId: string; pid: number; ports: { mqtt: number; http: number } }[];
}

interface Readiness {
  status: number;
  checks?: { database?: boolean; redis?: boolean } | undefined;
}

async function readyz(port: number): Promise<Readiness> {
  const response = await fetch(`http://127.0.0.1:${port}/readyz`);
  const body = (await response.json()) as { checks?: Readiness['checks'] };
  return { status: response.status, checks: body.checks };
}

async function alerts(port: number): Promise<{ id: string; kind: string; subject: string }[]> {
  const response = await fetch(`http://127.0.0.1:${port}/api/alerts`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return ((await response.json()) as { alerts: { id: string; kind: string; subject: string }[] }).alerts;
}

describe('npm run cluster without a server package', () => {
  it('names the Debian package to install and stops, starting nothing', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gw-cluster-'));
    try {
      // No redis-server on this PATH.
      const child = spawn(process.execPath, ['--import', 'tsx', 'firmware-sim/cluster.ts', '--data', dataDir], { cwd: root, env: { ...process.env, PATH: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).not.toBe(0);
      expect(stderr).toContain('apt-get install');
      expect(stderr).toMatch(/redis-server/);
      expect(existsSync(path.join(dataDir, 'postgres'))).toBe(false);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});

// `npm run cluster`'s own module, as an operator runs it: PostgreSQL, Redis, three gateway processes and
// the demo community spread over them. Ctrl-C (SIGINT) stops every process it started.
describe.skipIf(!postgresAvailable() || !serverAvailable('redis-server'))('npm run cluster', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gw-cluster-'));
  // Run as root, PostgreSQL runs as the postgres user, who must reach its directory in here.
  chmodSync(dataDir, 0o755);
  const started: ClusterFile[] = [];
  afterAll(() => {
    // Whatever failed, nothing is left running.
    for (const pid of started.flatMap((c) => [c.pid, c.postgres.pid, c.redis.pid, ...c.gateways.map((g) => g.pid)])) {
      if (!groupGone(pid)) process.kill(-pid, 'SIGKILL');
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** The cluster's own module, started and waited for until it has printed where to look. */
  async function startCluster(): Promise<{ cluster: ClusterFile; output(): string; stop(): Promise<number | null> }> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'firmware-sim/cluster.ts', '--free-ports', '--pager-port', '0', '--data', dataDir], {
      cwd: root,
      env: { ...process.env, ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const clusterFile = path.join(dataDir, 'cluster.json');
    const cluster = await Promise.race([
      waitFor('the cluster to start (cluster.json)', () => (existsSync(clusterFile) ? (JSON.parse(readFileSync(clusterFile, 'utf8')) as ClusterFile) : undefined), 400_000),
      exited.then((code) => Promise.reject(new Error(`npm run cluster exited (${code}) before it started`))),
    ]).catch((err: unknown) => {
      child.kill('SIGINT');
      throw new Error(`${String(err)}\n${output}`);
    });
    started.push(cluster);
    // Where to look, printed just after cluster.json is written.
    await waitFor('the cluster’s "where to look" lines', () => output.includes('  stop             Ctrl-C'), 60_000);
    for (const g of cluster.gateways) {
      await waitFor(`${g.nodeId} ready with the database and Redis`, async () => {
        const r = await readyz(g.ports.http);
        return r.status === 200 && r.checks?.database === true && r.checks.redis === true;
      }, 120_000);
    }
    return {
      cluster,
      output: () => output,
      async stop() {
        child.kill('SIGINT');
        return exited;
      },
    };
  }

  let sosId: string | undefined;

  it('three gateways on one PostgreSQL: ready with the database, an alert raised on one is seen on another, and Ctrl-C leaves no process behind', async () => {
    const run = await startCluster();
    const { cluster } = run;
    expect(cluster.gateways.map((g) => g.nodeId)).toEqual(['gateway-1', 'gateway-2', 'gateway-3']);
    expect(run.output()).toContain('creating its data directory');
    expect(run.output()).toContain(`admin token      ${TOKEN}`);
    // Names, not ids.
    expect(run.output()).toMatch(/devices: Li Guiying's bracelet/);

    // Li Guiying's bracelet presses SOS on the second gateway (the simulator keeps her on the first):
    // the alert is in PostgreSQL, so the third gateway's API lists it.
    const [first, second, third] = cluster.gateways as [ClusterFile['gateways'][number], ClusterFile['gateways'][number], ClusterFile['gateways'][number]];
    const bracelet = await SimulatedDevice.connect({ id: 'b-0001', secret: 'demo-secret-b-0001', url: `mqtt://127.0.0.1:${second.ports.mqtt}` });
    try {
      await bracelet.event({ type: 'sos' });
    } finally {
      await bracelet.close();
    }
    const sos = await waitFor('the SOS on the third gateway’s API', async () => (await alerts(third.ports.http)).find((a) => a.kind === 'sos' && a.subject === 'r1'), 60_000);
    expect((await alerts(first.ports.http)).map((a) => a.id)).toContain(sos.id);
    sosId = sos.id;

    expect(await run.stop()).toBe(0);
    expect(run.output()).toContain('[cluster] stopped');
    for (const pid of [cluster.postgres.pid, cluster.redis.pid, ...cluster.gateways.map((g) => g.pid)]) expect(groupGone(pid)).toBe(true);
  }, 600_000);

  it('a second run starts on the same data: the alert of the first is still there', async () => {
    expect(sosId).toBeDefined();
    const run = await startCluster();
    expect(run.output()).toContain('PostgreSQL: starting on its data directory');
    const listed = await alerts(run.cluster.gateways[1]!.ports.http);
    expect(listed.map((a) => a.id)).toContain(sosId);
    expect(await run.stop()).toBe(0);
    const { cluster } = run;
    for (const pid of [cluster.postgres.pid, cluster.redis.pid, ...cluster.gateways.map((g) => g.pid)]) expect(groupGone(pid)).toBe(true);
  }, 600_000);
});
