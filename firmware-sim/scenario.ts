import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import YAML from 'yaml';
import { startCommunity, type Community } from './community.js';
import { DEMO_CONFIG_FILE, startInProcessGateway, type InProcessGateway } from './in-process-gateway.js';
import { localMidnightMs, MINUTE_MS, parseClockTime } from './local-time.js';
import { pageLine, smsGatewayFor, startPageReceiver, type PageReceiver } from './page-receiver.js';
import { checkScenarioAlerts, describeCheck, type ListedAlert } from './scenario-check.js';
import { describeScenario, runScenario, type ScenarioRun } from './scenario-runner.js';
import { attachScenarioApi } from './scenarios-drill.js';
import { isScenarioName, SCENARIO_NAMES, type ScenarioCast } from './scenario-types.js';
import { buildScenario } from './scenarios.js';
import { createRealtimeClock } from './sim-clock.js';
import { readProvisionFile, withOnlyDevices, withWebhookBase } from './sim-provision.js';

const USAGE = `node --import tsx firmware-sim/scenario.ts <scenario> [options]

Scenarios: ${SCENARIO_NAMES.join(', ')}

  --url URL          a running gateway's MQTT listener (mqtt://host:1883); without it, a gateway is
                     started in this process on the simulated clock and the outcome is checked
  --provision FILE   devices and their secrets (default gateway/demo/provision.yaml)
  --speed N          simulated seconds per real second (default 1 with --url, 60 without)
  --http URL         with --url: the gateway's HTTP address, to check the alerts at the end
  --token TOKEN      with --http: an admin or worker token
  --bracelet ID, --aed-cabinet ID, --air-station ID   choose who plays the parts
  --seed TEXT        the residents' and the air's seed (default demo)
  --list             describe every scenario, step by step, and exit

In this process the long ones take a while at the default speed (stayed-in-13h: 14 minutes);
--speed 600 plays them in about a minute and a half.

A running gateway judges time by its own clock: against --url, keep --speed 1 (the default), or
the cancel windows and durations it applies are longer, in simulated time, than the scenario's.`;

const out = (line: string): void => void process.stdout.write(`${line}\n`);

class UsageError extends Error {}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: {
      url: { type: 'string' },
      provision: { type: 'string', default: 'gateway/demo/provision.yaml' },
      speed: { type: 'string' },
      http: { type: 'string' },
      token: { type: 'string' },
      bracelet: { type: 'string' },
      'aed-cabinet': { type: 'string' },
      'air-station': { type: 'string' },
      seed: { type: 'string', default: 'demo' },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
  });
  if (values.help) {
    out(USAGE);
    return 0;
  }
  let provision = readProvisionFile(values.provision);
  const cast: ScenarioCast = {
    ...(values.bracelet === undefined ? {} : { bracelet: values.bracelet }),
    ...(values['aed-cabinet'] === undefined ? {} : { aedCabinet: values['aed-cabinet'] }),
    ...(values['air-station'] === undefined ? {} : { airStation: values['air-station'] }),
  };
  if (values.list) {
    for (const name of SCENARIO_NAMES) out(`${describeScenario(buildScenario(name, provision, cast)).join('\n')}\n`);
    return 0;
  }
  const name = positionals[0];
  if (name === undefined || positionals.length > 1 || !isScenarioName(name)) throw new UsageError(name === undefined ? 'which scenario?' : `unknown scenario "${positionals.join(' ')}"`);
  const external = values.url !== undefined;
  const speed = Number(values.speed ?? (external ? 1 : 60));
  if (!(speed > 0)) throw new UsageError(`--speed must be a positive number, got ${values.speed}`);
  const scenario = buildScenario(name, provision, cast);
  if (external && speed !== 1) out(`[scenario] note: the gateway at ${values.url} keeps real time; at ${speed}× its windows last ${speed}× longer in simulated time`);

  // In-process, only the scenario's devices are provisioned, so nothing else raises alerts.
  let receiver: PageReceiver | undefined;
  let gateway: InProcessGateway | undefined;
  let dataDir: string | undefined;
  const now = Date.now();
  const startMs =
    !external && scenario.startsAt !== undefined ? localMidnightMs(now, provision.timeZone) + parseClockTime(scenario.startsAt) * MINUTE_MS : now;
  const clock = createRealtimeClock({ startMs, speed, onError: (err) => out(`[scenario] a simulated task failed: ${String(err)}`) });
  let url = values.url;
  if (!external) {
    receiver = await startPageReceiver({ onPage: (page) => out(pageLine(page)) });
    provision = withWebhookBase(withOnlyDevices(provision, scenario.deviceIds), receiver.baseUrl);
    dataDir = mkdtempSync(path.join(tmpdir(), `scenario-${name}-`));
    const provisionFile = path.join(dataDir, 'provision.yaml');
    writeFileSync(provisionFile, YAML.stringify(provision.raw));
    gateway = await startInProcessGateway({
      configFile: DEMO_CONFIG_FILE,
      clock,
      dataDir,
      provisionFile,
      overrides: { mqttPort: 0, mqttWsPort: 0, httpPort: 0, host: '127.0.0.1', pager: { sms: smsGatewayFor(receiver) } },
    });
    url = gateway.mqttUrl;
    out(`[scenario] gateway in this process: ${gateway.httpUrl} (MQTT ${gateway.mqttUrl}), ${speed}× simulated time`);
  }

  const live: { community?: Community; run?: ScenarioRun } = {};
  const cleanUp = async (): Promise<void> => {
    live.run?.cancel();
    clock.stop();
    await live.community?.stop();
    await gateway?.stop();
    await receiver?.close();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  };
  let interrupted = false;
  const onSignal = (): void => {
    if (interrupted) return;
    interrupted = true;
    out('[scenario] interrupted; disconnecting');
    cleanUp().then(
      () => process.exit(130),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const community = await startCommunity({ provision, url: url!, clock, seed: values.seed, deviceIds: scenario.deviceIds, log: (line) => out(`[device] ${line}`) });
  live.community = community;
  // The drill starts through the API, as a grid lead would.
  attachScenarioApi(
    community,
    async (method, path, body) => {
      if (gateway !== undefined) {
        const response = await gateway.gateway.http.inject({ method, url: path, headers: { authorization: `Bearer ${gateway.adminToken ?? ''}` }, ...(body === undefined ? {} : { payload: body }) });
        return { status: response.statusCode, body: response.body.length > 0 ? (JSON.parse(response.body) as unknown) : null };
      }
      if (values.http === undefined) throw new Error('no --http address to reach the gateway at');
      const response = await fetch(new URL(path, values.http), {
        method,
        headers: { 'content-type': 'application/json', ...(values.token === undefined ? {} : { authorization: `Bearer ${values.token}` }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json()) as unknown };
    },
    out,
  );
  const run = runScenario(scenario, { community, log: out });
  live.run = run;
  const outcome = await run.done;

  let exitCode = 0;
  const listAlerts = async (): Promise<ListedAlert[] | undefined> => {
    if (gateway !== undefined) {
      await community.drain();
      await gateway.gateway.alerting.tick();
      const response = await gateway.gateway.http.inject({ method: 'GET', url: '/api/alerts?limit=500', headers: { authorization: `Bearer ${gateway.adminToken ?? ''}` } });
      return (JSON.parse(response.body) as { alerts: ListedAlert[] }).alerts;
    }
    if (values.http === undefined) return undefined;
    const response = await fetch(new URL('/api/alerts?limit=500', values.http), { headers: values.token === undefined ? {} : { authorization: `Bearer ${values.token}` } });
    if (!response.ok) throw new Error(`GET /api/alerts answered ${response.status}`);
    return ((await response.json()) as { alerts: ListedAlert[] }).alerts;
  };
  const alerts = await listAlerts();
  if (alerts === undefined) {
    out(`[${name}] done; look at GET /api/alerts (expected: ${scenario.expectedAlerts.map((a) => `${a.kind} for ${a.subject}`).join(', ') || 'no alert'})`);
  } else {
    const check = checkScenarioAlerts(scenario, alerts, outcome.startedAtMs - MINUTE_MS);
    for (const line of describeCheck(check)) out(`[${name}] ${line}`);
    exitCode = check.ok ? 0 : 1;
  }
  await cleanUp();
  return exitCode;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`scenario: ${err.message}\n\n${USAGE}\n`);
      process.exit(2);
    }
    process.stderr.write(`scenario: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
