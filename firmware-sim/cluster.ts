import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import YAML from 'yaml';
import { WEB_PAGES } from '../gateway/http/routes/web-routes.js';
import { backfillAirStations, startCommunity, type Community } from './community.js';
import { freePort, groupGone, onPath, startGateway, startRedis, until, type Child, type GatewayPorts } from './cluster-processes.js';
import { createDemoWorkers } from './demo-workers.js';
import { demoNames, type Names } from './demo-names.js';
import { watchGateway } from './gateway-watch.js';
import { LocalPostgres, postgresInstalled, POSTGRES_BIN } from './local-postgres.js';
import { pageLine, smsGatewayFor, startPageReceiver, type ReceivedPage } from './page-receiver.js';
import { createRealtimeClock } from './sim-clock.js';
import { readProvisionFile, withWebhookBase, type SimDevice, type SimProvision } from './sim-provision.js';

const USAGE = `npm run cluster [-- options]

Several gateways serving the demo community as one system, on one machine: PostgreSQL and Redis
from the Debian packages (postgresql-15, redis-server), three gateway processes sharing them, and
the community's devices spread over the three. Real time; data kept in --data between runs.

  --data DIR        where PostgreSQL, Redis and each gateway keep their data (default ./data/cluster)
  --gateways N      how many gateways (default 3)
  --free-ports      let the system pick every port (default: HTTP 8081.., MQTT 1884.., WebSocket 8884..)
  --pager-port N    where the pages go (default 9000, the demo provision's webhook port; 0: any)
  --seed TEXT       another seed gives other residents' days and other air (default demo)
  -h, --help

ADMIN_TOKEN sets the admin token (otherwise one is made once and kept in DIR/admin-token);
LOG_LEVEL the gateways' log level (their logs: DIR/gateway-N/gateway.log). Stop with Ctrl-C.`;

const DEMO_PROVISION = 'gateway/demo/provision.yaml';
const out = (line: string): void => void process.stdout.write(`${line}\n`);

interface GatewayRun {
  nodeId: string;
  child: Child;
  ports: GatewayPorts;
  http: string;
  mqtt: string;
}

/** Say plainly which Debian package is missing. */
function missingPackages(): string[] {
  return [...(postgresInstalled() ? [] : [`postgresql-15 (no ${POSTGRES_BIN}/postgres)`]), ...(onPath('redis-server') ? [] : ['redis-server (no redis-server on the PATH)'])];
}

function adminToken(dataDir: string): string {
  if (process.env.ADMIN_TOKEN !== undefined) return process.env.ADMIN_TOKEN;
  const file = path.join(dataDir, 'admin-token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const token = randomBytes(32).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

/** A device as a person would name it: whose bracelet, which cabinet, which station or bin. */
function deviceLabel(provision: SimProvision, names: Names, device: SimDevice): string {
  if (device.kind === 'aed' && device.aed !== undefined) return names(device.aed);
  if (device.kind === 'air' && device.station !== undefined) return names(device.station);
  if (device.kind === 'bin') {
    const place = (provision.raw.devices as { id?: string; name?: string }[] | undefined)?.find((d) => d.id === device.id)?.name;
    if (place !== undefined) return `the bin at ${place}`;
  }
  return names(device.id);
}

/** A path as the operator typed it: relative when under the working directory. */
function shown(dir: string): string {
  const relative = path.relative(process.cwd(), dir);
  return relative.startsWith('..') ? dir : relative;
}

async function readyz(http: string): Promise<{ checks?: Record<string, boolean> } | undefined> {
  const response = await fetch(`${http}/readyz`);
  return response.status === 200 ? ((await response.json()) as { checks?: Record<string, boolean> }) : undefined;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string', default: 'data/cluster' },
      gateways: { type: 'string', default: '3' },
      'free-ports': { type: 'boolean', default: false },
      'pager-port': { type: 'string', default: '9000' },
      seed: { type: 'string', default: 'demo' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: false,
  });
  if (values.help) return out(USAGE);
  const count = Number(values.gateways);
  if (!Number.isInteger(count) || count < 1 || count > 9) throw new UsageError(`--gateways must be a whole number from 1 to 9, got ${values.gateways}`);
  const pagerPort = Number(values['pager-port']);
  if (!Number.isInteger(pagerPort) || pagerPort < 0 || pagerPort > 65535) throw new UsageError(`--pager-port must be a port number, got ${values['pager-port']}`);
  const missing = missingPackages();
  if (missing.length > 0) {
    process.stderr.write(`cluster: missing Debian package(s): ${missing.join(', ')}.\nInstall with: apt-get install ${missing.map((m) => m.split(' ')[0]).join(' ')}\n`);
    process.exit(3);
  }

  const dataDir = path.resolve(values.data);
  mkdirSync(dataDir, { recursive: true });
  // It lists the processes of a running cluster: none until these are up.
  const clusterFile = path.join(dataDir, 'cluster.json');
  rmSync(clusterFile, { force: true });
  const token = adminToken(dataDir);
  const children: Child[] = [];
  const postgres = new LocalPostgres({ dir: path.join(dataDir, 'postgres'), port: await freePort() });
  let community: Community[] = [];
  let stopWatch = (): void => undefined;
  let closeReceiver = async (): Promise<void> => undefined;
  let stopping: Promise<void> | undefined;
  const stopAll = (): Promise<void> =>
    (stopping ??= (async () => {
      stopWatch();
      await Promise.allSettled(community.map((c) => c.stop()));
      // Gateways first (each finishes its writes), then Redis and PostgreSQL under them.
      await Promise.allSettled(children.filter((c) => c.name.startsWith('gateway')).map((c) => c.stop('SIGTERM', 20_000)));
      await Promise.allSettled(children.filter((c) => !c.name.startsWith('gateway')).map((c) => c.stop('SIGTERM', 20_000)));
      await postgres.shutdown();
      await closeReceiver();
      rmSync(clusterFile, { force: true });
    })());
  let signalled = false;
  const onSignal = (signal: string): void => {
    // A terminal's Ctrl-C under npm arrives twice: from the terminal and passed on by npm.
    if (signalled) return;
    signalled = true;
    out(`\n[cluster] ${signal}: stopping the devices, the gateways, Redis and PostgreSQL…`);
    stopAll().then(
      () => {
        out(`[cluster] stopped; the data stays in ${shown(dataDir)} for the next run.`);
        process.exit(0);
      },
      (err: unknown) => {
        out(`[cluster] stop failed: ${String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  // Whatever happens to this process, nothing it started outlives it.
  process.on('exit', () => {
    for (const pid of [...children.map((c) => c.process.pid), postgres.pid]) if (pid !== undefined && !groupGone(pid)) process.kill(-pid, 'SIGKILL');
  });

  try {
    out(postgres.needsInit() ? `[cluster] PostgreSQL: creating its data directory (first run, a few seconds)…` : '[cluster] PostgreSQL: starting on its data directory…');
    const redisPort = await freePort();
    const [redis] = await Promise.all([startRedis(path.join(dataDir, 'redis'), redisPort), postgres.start({ detached: true })]);
    children.push(redis);
    const databaseUrl = await postgres.ensureDatabase('gateway');
    const redisUrl = `redis://127.0.0.1:${redisPort}`;
    out(`[cluster] PostgreSQL ready (${databaseUrl}), Redis ready (${redisUrl})`);

    const pageHandlers: ((page: ReceivedPage) => void)[] = [];
    const receiver = await startPageReceiver({ port: pagerPort, onPage: (page) => pageHandlers.forEach((handle) => handle(page)) });
    closeReceiver = () => receiver.close();
    const provision = withWebhookBase(readProvisionFile(DEMO_PROVISION), receiver.baseUrl);
    const provisionFile = path.join(dataDir, 'demo-provision.yaml');
    writeFileSync(provisionFile, YAML.stringify(provision.raw));
    // Text messages go to the page receiver too; every gateway reads the same settings. Node-RED's
    // flows are each gateway's own, not shared: off here, where the gateways are one system.
    const configFile = path.join(dataDir, 'gateway.yaml');
    writeFileSync(configFile, YAML.stringify({ pager: { sms: smsGatewayFor(receiver) }, nodeRed: { enabled: false } }));

    const gateways: GatewayRun[] = [];
    const launch = async (n: number): Promise<GatewayRun> => {
      const nodeId = `gateway-${n}`;
      const port = (base: number): string => (values['free-ports'] ? '0' : String(base + n - 1));
      const env = {
        NODE_ID: nodeId,
        DATABASE_URL: databaseUrl,
        REDIS_URL: redisUrl,
        ADMIN_TOKEN: token,
        HOST: '127.0.0.1',
        HTTP_PORT: port(8081),
        MQTT_PORT: port(1884),
        MQTT_WS_PORT: port(8884),
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
        // The first loads the community into PostgreSQL; the others read it from there.
        ...(n === 1 ? { PROVISION: provisionFile } : {}),
      };
      out(`[cluster] ${nodeId}: starting…`);
      const { child, ports } = await startGateway(nodeId, path.join(dataDir, nodeId), env, ['--config', configFile]);
      children.push(child);
      const run = { nodeId, child, ports, http: `http://localhost:${ports.http}`, mqtt: `mqtt://127.0.0.1:${ports.mqtt}` };
      out(`[cluster] ${nodeId}: listening (HTTP :${ports.http}, MQTT :${ports.mqtt}); waiting until it is ready…`);
      await until(`${nodeId} to be ready (/readyz)`, () => readyz(`http://127.0.0.1:${ports.http}`), child, 300_000);
      out(`[cluster] ${nodeId}: ready`);
      return run;
    };
    gateways.push(await launch(1));
    gateways.push(...(await Promise.all(Array.from({ length: count - 1 }, (_, i) => launch(i + 2)))));

    const names = demoNames(provision);
    const clock = createRealtimeClock({ startMs: Date.now(), speed: 1, onError: (err) => out(`[cluster] a simulated task failed: ${String(err)}`) });
    // Devices dealt out in turn, as a load balancer in front of MQTT would spread them.
    const shares = gateways.map((_, i) => provision.devices.filter((__, d) => d % gateways.length === i));
    community = await Promise.all(
      gateways.map((g, i) => startCommunity({ provision, url: g.mqtt, clock, seed: values.seed, deviceIds: shares[i]!.map((d) => d.id), log: (line) => out(`[${g.nodeId} device] ${line}`) })),
    );
    for (const c of community) backfillAirStations(c, 3);
    const api = (g: GatewayRun, method: string, url: string, body?: object): Promise<Response> =>
      fetch(`${g.http}${url}`, { method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const last = gateways[gateways.length - 1]!;
    const workers = createDemoWorkers({
      names,
      clock,
      log: out,
      ack: async (ackUrl) => (await fetch(ackUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' })).status,
      // Closed through another gateway than the one watched: the change reaches every one.
      resolve: async (alertId, note) => (await api(gateways[0]!, 'POST', `/api/alerts/${alertId}/resolve`, { note })).status,
    });
    const onPage = (page: ReceivedPage): void => {
      out(pageLine(page));
      workers.onPage(page);
    };
    receiver.pages.forEach(onPage);
    pageHandlers.push(onPage);
    const watch = watchGateway({ names, getJson: async (url) => (await api(last, 'GET', url)).json(), log: out, now: Date.now, timeZone: provision.timeZone });
    stopWatch = () => watch.stop();

    writeFileSync(
      clusterFile,
      JSON.stringify({ pid: process.pid, postgres: { pid: postgres.pid, url: databaseUrl }, redis: { pid: redis.process.pid, url: redisUrl }, gateways: gateways.map((g) => ({ nodeId: g.nodeId, pid: g.child.process.pid, ports: g.ports, http: g.http })) }, null, 2),
    );
    out('');
    out(`Community health gateway — ${gateways.length} gateways on one PostgreSQL and one Redis`);
    for (const [i, g] of gateways.entries()) {
      out(`  ${g.nodeId}        web ${Object.keys(WEB_PAGES).map((page) => `${g.http}${page}`).slice(0, 2).join('  ')}   MQTT :${g.ports.mqtt} (WebSocket :${g.ports.mqttWs})`);
      out(`                   devices: ${shares[i]!.map((d) => deviceLabel(provision, names, d)).join(', ')}`);
    }
    out(`  cluster view     curl -H "Authorization: Bearer ${token}" ${gateways[0]!.http}/api/cluster`);
    out(`  alerts (any)     curl -H "Authorization: Bearer ${token}" ${last.http}/api/alerts`);
    out(`  admin token      ${token}${process.env.ADMIN_TOKEN === undefined ? `   (kept in ${shown(path.join(dataDir, 'admin-token'))})` : ''}`);
    out(`  pages            ${receiver.baseUrl}/<person> and /sms (printed below)`);
    out(`  data and logs    ${shown(dataDir)}/ (postgres, redis, gateway-N/gateway.log); kept for the next run`);
    out('  stop             Ctrl-C (stops the devices, the gateways, Redis and PostgreSQL)');
    out('  failover         kill -9 one gateway: its residents\' rules go on on another within cluster.failoverS (15 s)');
    out('');
    for (const g of gateways) {
      g.child.exited
        .then(() => {
          if (stopping === undefined) out(`[cluster] ${g.nodeId} stopped on its own; the others carry on. Its last words:\n${g.child.tail()}`);
        })
        .catch(() => undefined);
    }
    const heartbeat = setInterval(() => {
      out(`[cluster] ${community.reduce((n, c) => n + c.sent(), 0)} device messages sent, ${receiver.pages.length} pages received`);
    }, 60_000);
    heartbeat.unref();
  } catch (err) {
    await stopAll();
    throw err;
  }
}

class UsageError extends Error {}

main().catch((err: unknown) => {
  if (err instanceof UsageError) {
    process.stderr.write(`cluster: ${err.message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  const code = (err as NodeJS.ErrnoException).code;
  const hint = code === 'EADDRINUSE' ? '\n(a port is taken: run with --free-ports)' : '';
  process.stderr.write(`cluster: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}${hint}\n`);
  process.exit(1);
});
