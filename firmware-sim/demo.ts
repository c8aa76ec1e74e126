import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import YAML from 'yaml';
import { loadConfig } from '../gateway/config/config.js';
import { WEB_PAGES } from '../gateway/http/routes/web-routes.js';
import { RED_ROOT } from '../gateway/node-red/red-access.js';
import { backfillAirStations, startCommunity, type Community } from './community.js';
import { createDemoWorkers } from './demo-workers.js';
import { demoNames } from './demo-names.js';
import { watchGateway } from './gateway-watch.js';
import { DEMO_CONFIG_FILE, startInProcessGateway, type InProcessGateway } from './in-process-gateway.js';
import { formatLocalClock, localMidnightMs, MINUTE_MS, parseClockTime } from './local-time.js';
import { pageLine, smsGatewayFor, startPageReceiver, type PageReceiver, type ReceivedPage } from './page-receiver.js';
import { checkScenarioAlerts, describeCheck, type ListedAlert } from './scenario-check.js';
import { runScenario, type ScenarioRun } from './scenario-runner.js';
import { isScenarioName, SCENARIO_NAMES, type ScenarioName } from './scenario-types.js';
import { attachRescueDesk } from './scenario-rescue.js';
import { attachScenarioApi } from './scenarios-drill.js';
import { buildScenario } from './scenarios.js';
import { createRealtimeClock, type SimClock } from './sim-clock.js';
import { readProvisionFile, withWebhookBase } from './sim-provision.js';
import type { BinSensorFault } from './bin-model.js';

/** The demo's bins: one steady, one whose sensor drifts upwards, one that sticks two hours in (the board and map flag both). */
const DEMO_BIN_FAULTS = (startMs: number): Record<string, BinSensorFault> => ({
  'bin-02': { gainDriftPerDay: 0.8 },
  'bin-03': { stuckFromMs: startMs + 2 * 3_600_000 },
});

const USAGE = `npm run demo [-- options]

The gateway with the demo community (gateway/demo/), its devices simulated at an accelerated
time, scripted incidents on a loop, and a stand-in for the workers' phones that prints each page.

  --speed N        simulated seconds per real second (default 120: a day in 12 minutes)
  --start HH:MM    local time the simulated day starts at (default 06:40, before the rush hour)
  --seed TEXT      another seed gives other residents' days and other air (default demo)
  --config FILE    gateway configuration (default ${DEMO_CONFIG_FILE})
  --pager-port N   where the pages go (default 9000, the demo provision's webhook port)
  --no-scenarios   only the everyday life of the community
  --scenarios A,B  only these scenarios, one after another (names: ${SCENARIO_NAMES.join(', ')})
  -h, --help

Environment overrides of the gateway (MQTT_PORT, HTTP_PORT, ADMIN_TOKEN, LOG_LEVEL, ...) apply.
Stop with Ctrl-C.`;

const out = (line: string): void => void process.stdout.write(`${line}\n`);

/** Incidents in three lanes, each on its own residents, so they can overlap. */
const LANES: { scenarios: ScenarioName[]; gapMs: number; waitForStartTime: boolean }[] = [
  // The rescue shares its lane with the cabinet opened near a fall: one cabinet, one story at a time.
  { scenarios: ['cardiac-arrest-rescue', 'fall-not-cancelled', 'wandering', 'aed-opened-near-fall', 'fall-cancelled'], gapMs: 15 * MINUTE_MS, waitForStartTime: false },
  { scenarios: ['stayed-in-13h'], gapMs: 2 * 60 * MINUTE_MS, waitForStartTime: false },
  { scenarios: ['smog-afternoon'], gapMs: 60 * MINUTE_MS, waitForStartTime: true },
  // One rule at a time on the residents the others leave free, and the grid's drill.
  {
    scenarios: ['sos-pressed', 'vitals-unwell', 'battery-low', 'aed-self-test-failed', 'bracelet-offline', 'not-worn', 'drill-fall'],
    gapMs: 10 * MINUTE_MS,
    waitForStartTime: true,
  },
];

interface Demo {
  clock: SimClock;
  receiver: PageReceiver;
  gateway: InProcessGateway;
  community: Community;
  stop(): Promise<void>;
}

async function startDemo(args: { speed: number; start: string; seed: string; configFile: string; pagerPort: number; scenarios: boolean; only: ScenarioName[] | null }): Promise<Demo> {
  const baseConfig = loadConfig({ file: args.configFile });
  if (baseConfig.provision === undefined) throw new Error(`${args.configFile} names no provision file`);
  let provision = readProvisionFile(baseConfig.provision);

  const pageHandlers: ((page: ReceivedPage) => void)[] = [];
  const receiver = await startPageReceiver({ port: args.pagerPort, onPage: (page) => pageHandlers.forEach((handle) => handle(page)) });
  // The provision's webhooks name a port of their own (9000); send them wherever the receiver
  // listens, whether chosen with --pager-port or picked by the system (0).
  provision = withWebhookBase(provision, receiver.baseUrl);
  mkdirSync(baseConfig.dataDir, { recursive: true });
  const provisionFile = path.join(baseConfig.dataDir, 'demo-provision.yaml');
  writeFileSync(provisionFile, YAML.stringify(provision.raw));

  const startMs = localMidnightMs(Date.now(), provision.timeZone) + parseClockTime(args.start) * MINUTE_MS;
  const clock = createRealtimeClock({ startMs, speed: args.speed, onError: (err) => out(`[demo] a simulated task failed: ${String(err)}`) });
  const simTime = (): string => formatLocalClock(clock.now(), provision.timeZone);
  const gateway = await startInProcessGateway({
    configFile: args.configFile,
    clock,
    fresh: true,
    provisionFile,
    // Without an SMS gateway of its own, the demo's text messages go to the receiver as well.
    ...(baseConfig.pager.sms === undefined ? { overrides: { pager: { sms: smsGatewayFor(receiver) } } } : {}),
  });
  const token = gateway.adminToken;
  const api = async (method: 'GET' | 'POST', url: string, payload?: object, as = token): Promise<{ status: number; body: unknown }> => {
    const response = await gateway.gateway.http.inject({
      method,
      url,
      headers: as === undefined ? {} : { authorization: `Bearer ${as}` },
      ...(payload === undefined ? {} : { payload }),
    });
    return { status: response.statusCode, body: response.body.length > 0 ? (JSON.parse(response.body) as unknown) : null };
  };

  const { ports } = gateway;
  out('');
  out('Community health gateway — demo');
  out(`  simulated time   ${simTime()} ${provision.timeZone}, ${args.speed}× (one simulated minute every ${(60 / args.speed).toFixed(2)} s)`);
  out(`  web UI           ${Object.keys(WEB_PAGES).map((page) => `${gateway.httpUrl}${page}`).join('  ')}`);
  out(`  API              ${gateway.httpUrl}/api   (OpenAPI: ${gateway.httpUrl}/docs)`);
  if (gateway.config.nodeRed.enabled) out(`  Node-RED         ${gateway.httpUrl}${RED_ROOT}   (sign in with the admin token)`);
  out(`  admin token      ${token ?? '(set ADMIN_TOKEN)'}${gateway.config.adminToken === undefined ? '   (new each run; set ADMIN_TOKEN to keep one)' : ''}`);
  out(`  alerts           curl -H "Authorization: Bearer ${token ?? '$ADMIN_TOKEN'}" ${gateway.httpUrl}/api/alerts`);
  out(`  air index        curl ${gateway.httpUrl}/api/aqhi`);
  out(`  alert stream     curl -N -H "Authorization: Bearer ${token ?? '$ADMIN_TOKEN'}" ${gateway.httpUrl}/api/alerts/stream`);
  out(`  MQTT             mqtt://localhost:${ports.mqtt}   (WebSocket :${ports.mqttWs}); devices use their id and demo-secret-<id>`);
  out(`  pages            ${receiver.baseUrl}/<person> and /sms (printed below as [page → …] and [sms → …])`);
  out(`  store            ${gateway.config.dataDir} (reset at every demo start)`);
  out('');

  const community = await startCommunity({
    provision,
    url: gateway.mqttUrl,
    clock,
    seed: args.seed,
    log: (line) => out(`[device ${simTime()}] ${line}`),
    binFaults: DEMO_BIN_FAULTS(clock.now()),
  });
  // The rescue scenario's 120 centre, volunteers and guardian use the API.
  attachRescueDesk(community, { api, log: out });
  // The drill scenario starts its drill through the API, as a grid lead would.
  attachScenarioApi(community, api, out);
  const backfilled = backfillAirStations(community, 3);
  out(`[demo ${simTime()}] ${community.runners.length} devices connected: ${community.bracelets.size} bracelets, ${community.aeds.size} AED cabinets, ${community.airStations.size} air stations, ${community.bins.size} bins (${backfilled} stored air readings uploaded)`);

  const names = demoNames(provision);
  const workers = createDemoWorkers({
    names,
    clock,
    log: (line) => out(`${line.replace(/^\[worker\]/, `[worker ${simTime()}]`)}`),
    ack: async (ackUrl) => (await fetch(ackUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' })).status,
    resolve: async (alertId, note) => (await api('POST', `/api/alerts/${alertId}/resolve`, { note })).status,
  });
  pageHandlers.push((page) => {
    out(pageLine(page));
    workers.onPage(page);
  });
  const watch = watchGateway({ names, getJson: async (url) => (await api('GET', url)).body, log: out, now: clock.now, timeZone: provision.timeZone, intervalMs: Math.min(1000, Math.max(100, 30_000 / args.speed)) });

  let stopping = false;
  const running = new Set<ScenarioRun>();
  async function lane(scenarioNames: readonly ScenarioName[], gapMs: number, waitForStartTime: boolean): Promise<void> {
    while (!stopping) {
      for (const name of scenarioNames) {
        if (stopping) return;
        const scenario = buildScenario(name, provision);
        const run = runScenario(scenario, { community, log: out, waitForStartTime, names });
        running.add(run);
        const outcome = await run.done;
        running.delete(run);
        if (outcome.cancelled || stopping) return;
        const listed = (await api('GET', '/api/alerts?limit=500')).body as { alerts?: ListedAlert[] };
        for (const line of describeCheck(checkScenarioAlerts(scenario, listed.alerts ?? [], outcome.startedAtMs), names)) out(`[${name}] ${line}`);
        await clock.sleep(gapMs);
      }
    }
  }
  if (args.scenarios) {
    const lanes = args.only === null ? LANES : [{ scenarios: args.only, gapMs: 5 * MINUTE_MS, waitForStartTime: false }];
    for (const l of lanes) {
      lane(l.scenarios, l.gapMs, l.waitForStartTime).catch((err: unknown) => out(`[demo] scenario lane stopped: ${String(err)}`));
    }
  }
  const heartbeat = setInterval(() => {
    out(`[demo ${simTime()}] ${community.sent()} messages sent, ${receiver.pages.length} pages received`);
  }, 30_000);
  heartbeat.unref();

  return {
    clock,
    receiver,
    gateway,
    community,
    async stop() {
      stopping = true;
      clearInterval(heartbeat);
      for (const run of running) run.cancel();
      watch.stop();
      clock.stop();
      // Devices leave cleanly (no Last Will): the demo is over, not the devices dead.
      await community.stop();
      await gateway.stop();
      await receiver.close();
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      speed: { type: 'string', default: '120' },
      start: { type: 'string', default: '06:40' },
      seed: { type: 'string', default: 'demo' },
      config: { type: 'string', default: DEMO_CONFIG_FILE },
      'pager-port': { type: 'string', default: '9000' },
      'no-scenarios': { type: 'boolean', default: false },
      scenarios: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: false,
  });
  if (values.help) {
    out(USAGE);
    return;
  }
  const speed = Number(values.speed);
  if (!(speed > 0) || speed > 3600) throw new UsageError(`--speed must be a number between 0 and 3600, got ${values.speed}`);
  parseClockTime(values.start);
  const pagerPort = Number(values['pager-port']);
  if (!Number.isInteger(pagerPort) || pagerPort < 0 || pagerPort > 65535) throw new UsageError(`--pager-port must be a port number, got ${values['pager-port']}`);

  const only = values.scenarios === undefined ? null : values.scenarios.split(',').map((name) => name.trim());
  const unknown = (only ?? []).filter((name) => !isScenarioName(name));
  if (unknown.length > 0) throw new UsageError(`--scenarios: no scenario named ${unknown.join(', ')}`);
  const demo = await startDemo({
    speed,
    start: values.start,
    seed: values.seed,
    configFile: values.config,
    pagerPort,
    scenarios: !values['no-scenarios'],
    only: only as ScenarioName[] | null,
  });
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    out(`\n[demo] ${signal}: stopping the devices and the gateway…`);
    const force = setTimeout(() => {
      out('[demo] shutdown took too long; exiting');
      process.exit(1);
    }, 15_000);
    force.unref();
    demo.stop().then(
      () => {
        out(`[demo] stopped: ${demo.community.sent()} device messages, ${demo.receiver.pages.length} pages.`);
        process.exit(0);
      },
      (err: unknown) => {
        out(`[demo] shutdown failed: ${String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

class UsageError extends Error {}

main().catch((err: unknown) => {
  if (err instanceof UsageError) {
    process.stderr.write(`demo: ${err.message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  const code = (err as NodeJS.ErrnoException).code;
  const hint = code === 'EADDRINUSE' ? '\n(a port is taken: set MQTT_PORT, MQTT_WS_PORT or HTTP_PORT, or 0 for a free one)' : '';
  process.stderr.write(`demo: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}${hint}\n`);
  process.exit(1);
});
