import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import type { Gateway } from '../../gateway/build-gateway.js';
import { encodeCbor } from '../../sensors/index.js';
import { freePort, hasBinary, redisPing, spawnServer } from '../helpers/external-server.js';
import type { GatewayJob, GatewayMemory, GatewayStarted } from './gateway-process.js';
import { startHarness } from '../helpers/gateway-harness.js';
import { PostgresServer, postgresAvailable } from '../helpers/postgres-server.js';
import type { ConnectResult, FallsResult, LoadDevice, PublishResult } from './load-process.js';
import { emergencyBench } from './emergency-bench.js';
import { aqhiBench } from './aqhi-bench.js';
import { accessLogBench } from './access-log-bench.js';
import { storeBench } from './store-bench.js';
import { benchProvision, bracelets, JobProcess, LoadGenerator, PAYLOAD } from './bench-processes.js';
import { failoverBench } from './failover-bench.js';
import { clusterLatencyBench } from './cluster-latency-bench.js';
import { loadDurationMs, measureCpuWindows, pinToCpu, withCpuProfile, type CpuWindowTimes, type CpuWindows } from './cpu-windows.js';

/*
 * npm run bench: the gateway against bare aedes and Mosquitto, side by side in one run. Prints
 * each figure as it is measured and a table at the end (medians of BENCH_REPEATS runs).
 * BENCH_QUICK=1 runs each measurement once with shorter steps.
 */

const root = path.resolve(import.meta.dirname, '../..');
const QUICK = process.env.BENCH_QUICK === '1';
const REPEATS = Number(process.env.BENCH_REPEATS ?? (QUICK ? 1 : 3));
const STEP_MS = QUICK ? 2000 : 3000;
const DRAIN_MS = 1500;
// A rate the generator cannot keep to fails the step; a target that passes the top is reported as taking at least that.
const RATES = [2_000, 5_000, 10_000, 20_000, 40_000, 80_000, 120_000, 160_000, 200_000, 240_000, 320_000, 480_000, 640_000, 960_000, 1_280_000];
const PUBLISHERS = 50;
/** BENCH_QOS=1: the ingest section measures one QoS only; BENCH_GATEWAY_ONLY=1: without bare aedes and Mosquitto. */
const QOS_LEVELS = (process.env.BENCH_QOS === undefined ? [0, 1] : [Number(process.env.BENCH_QOS)]) as (0 | 1)[];
const GATEWAY_ONLY = process.env.BENCH_GATEWAY_ONLY === '1';
/** BENCH_MOSQUITTO=0: bare aedes and the gateway only. */
const WITHOUT_MOSQUITTO = process.env.BENCH_MOSQUITTO === '0';
/** Where CPU per message is measured: well inside what every target sustains. */
const CPU_RATE = 40_000;
const CPU_WINDOWS: CpuWindowTimes = { idleMs: QUICK ? 1000 : 2000, warmupMs: 500, windowMs: QUICK ? 1000 : 2000, windows: 3, maxWindows: 8, rate: CPU_RATE };
/** BENCH_PIN=0: leave the broker and the generator wherever the system runs them. */
const PIN = process.env.BENCH_PIN !== '0';
/** BENCH_CPU_ONLY=1: the ingest section measures CPU per message only, not the highest rates. */
const CPU_ONLY = process.env.BENCH_CPU_ONLY === '1' || process.env.BENCH_PROFILE !== undefined;
const PROFILE = process.env.BENCH_PROFILE;

const log = (line: string): void => void process.stdout.write(`${line}\n`);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const percentile = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;
const until = async (probe: () => boolean, timeoutMs: number): Promise<boolean> => {
  const deadline = performance.now() + timeoutMs;
  while (!probe()) {
    if (performance.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
};


interface Target {
  name: string;
  port: number;
  devices: LoadDevice[];
  received(): number;
  /** CPU seconds (user + system) the broker has used so far. */
  cpuSeconds(): number;
  /** The broker's process. */
  pid: number;
  close(): Promise<void>;
}

/** This process's CPU: bare aedes and the gateway run in it (with their worker threads). */
const ownCpuSeconds = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

/** Another process's CPU from /proc (utime + stime, in clock ticks). */
function processCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  const ticks = Number(spawnSync('getconf', ['CLK_TCK']).stdout.toString().trim()) || 100;
  return (Number(fields[11]) + Number(fields[12])) / ticks;
}

async function bareAedes(): Promise<Target> {
  const aedes = await Aedes.createBroker();
  let count = 0;
  // The no-op in-process subscriber.
  aedes.subscribe('devices/+/telemetry', (_packet, cb) => {
    count++;
    cb();
  }, () => undefined);
  const server = createTcpServer(aedes.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    name: 'bare aedes',
    port: (server.address() as AddressInfo).port,
    devices: bracelets(PUBLISHERS).map(({ id }) => ({ id })),
    received: () => count,
    cpuSeconds: ownCpuSeconds,
    pid: process.pid,
    close: async () => {
      await new Promise<void>((r) => aedes.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function mosquitto(qos: 0 | 1): Promise<Target> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-mosq-'));
  const conf = path.join(dir, 'mosquitto.conf');
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 1000000\n`);
  const child = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
  const subscriber = await (async () => {
    for (let i = 0; ; i++) {
      try {
        return await mqtt.connectAsync({ host: '127.0.0.1', port, clientId: 'bench-subscriber', reconnectPeriod: 0 });
      } catch (err) {
        if (i > 100) throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  })();
  let count = 0;
  subscriber.on('message', () => count++);
  await subscriber.subscribeAsync('devices/+/telemetry', { qos });
  return {
    name: 'Mosquitto',
    port,
    devices: bracelets(PUBLISHERS).map(({ id }) => ({ id })),
    received: () => count,
    cpuSeconds: () => processCpuSeconds(child.pid!),
    pid: child.pid!,
    close: async () => {
      await subscriber.endAsync(true);
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One grid and its worker, a resident per bracelet, an AED; falls paged at once. */
interface GatewayTarget extends Target {
  gateway: Gateway;
  httpPort: number;
}

async function gatewayTarget(options: { devices: number; fallDevices?: number; webhook?: string; familyWebhook?: string; countStored?: boolean; dataDir?: string; databaseUrl?: string }): Promise<GatewayTarget> {
  const load = bracelets(options.devices);
  const falls = bracelets(options.fallDevices ?? 0, 'f');
  const harness = await startHarness({
    provision: benchProvision([...load, ...falls], options.webhook, options.familyWebhook),
    // Every loopback address, so the connection test can spread over several source and target addresses.
    overrides: { host: '0.0.0.0', ...(options.databaseUrl === undefined ? {} : { databaseUrl: options.databaseUrl }) },
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
  });
  const { gateway } = harness;
  // Counted once stored: the whole path (decode, validate, rules, the embedded store) must keep up.
  const written = async (): Promise<number> => (await gateway.metrics.telemetryWritten.get()).values.reduce((sum, v) => sum + v.value, 0);
  let count = 0;
  // Only where throughput is counted: polling the metrics is work on the gateway's event loop.
  const poll = options.countStored === false ? undefined : setInterval(() => void written().then((n) => (count = n)), 5);
  return {
    name: 'gateway',
    port: harness.ports.mqtt,
    devices: load.map(({ id, secret }) => ({ id, secret })),
    gateway,
    httpPort: harness.ports.http,
    received: () => count,
    cpuSeconds: ownCpuSeconds,
    pid: process.pid,
    close: async () => {
      clearInterval(poll);
      // A data directory the caller gave is the caller's: it may start another gateway on it.
      if (options.dataDir === undefined) await harness.dispose();
      else await harness.stop();
    },
  };
}

/** Publishes at `rate` for a step; passes when everything arrived within the drain time. */
async function step(load: LoadGenerator, target: Target, rate: number, qos: 0 | 1): Promise<boolean> {
  const before = target.received();
  const result = await load.run<PublishResult>({ type: 'publish', port: target.port, devices: target.devices.slice(0, PUBLISHERS), rate, durationMs: STEP_MS, qos, payloadHex: PAYLOAD.toString('hex') });
  const arrived = await until(() => target.received() - before >= result.sent, DRAIN_MS);
  const keptUp = result.elapsedMs <= STEP_MS * 1.15;
  return arrived && keptUp && result.errors === 0;
}

/**
 * Broker CPU per message at a rate every target sustains: steadier than the highest rate, which
 * moves with whatever else the two cores are doing. Three windows of steady load after the
 * publishers connected (the gateway's secret checks are not in it), idle CPU subtracted; the
 * broker and the generator each pinned to a core of their own where the machine allows.
 * BENCH_PROFILE=file: the gateway's windows are profiled (V8's sampler, main thread) into it.
 */
async function cpuPerMessage(load: LoadGenerator, target: Target, qos: 0 | 1): Promise<CpuWindows> {
  const durationMs = loadDurationMs(CPU_WINDOWS);
  const { connected, publishing, done } = load.publishAnnounced({
    type: 'publish',
    port: target.port,
    devices: target.devices.slice(0, PUBLISHERS),
    rate: CPU_RATE,
    durationMs,
    qos,
    payloadHex: PAYLOAD.toString('hex'),
    idleMs: CPU_WINDOWS.idleMs,
  });
  const pinnedBroker = PIN && pinToCpu(target.pid, 0);
  const pinned = pinnedBroker && pinToCpu(load.pid, 1);
  try {
    const finish = async (): Promise<number> => {
      load.stopPublishing();
      return (await done).sent;
    };
    const measure = (): Promise<CpuWindows> => measureCpuWindows(target, connected, publishing, CPU_WINDOWS, finish);
    let windows: CpuWindows;
    if (PROFILE !== undefined && target.name === 'gateway') {
      const before = target.received();
      windows = await withCpuProfile(PROFILE, measure);
      log(`  profile written to ${PROFILE}: ${target.received() - before} messages stored while it ran`);
    } else windows = await measure();
    const result = await done;
    const keptUp = result.elapsedMs <= durationMs * 1.15 && result.errors === 0;
    log(
      `  ${target.name}: idle ${(windows.idleCpuPerSecond * 1000).toFixed(1)} ms CPU/s; windows ${windows.perMessageMicros.map((m) => m.toFixed(1)).join(' / ')} µs per message` +
        ` (${windows.messages.join(' / ')} messages)${windows.unsteady > 0 ? `; ${windows.unsteady} unsteady window(s) left out` : ''}` +
        `; whole load ${windows.wholeLoadMicros.toFixed(1)} µs` +
        `${pinned ? '' : '; not pinned'}${keptUp ? '' : '; the generator fell behind'}`,
    );
    return windows;
  } finally {
    if (pinnedBroker) pinToCpu(target.pid, undefined);
    if (pinned) pinToCpu(load.pid, undefined);
  }
}

/** The highest rate that passes: the coarse ladder, then three halvings between pass and fail. */
async function sustainedRate(load: LoadGenerator, target: Target, qos: 0 | 1): Promise<number> {
  let pass = 0;
  let fail: number | null = null;
  for (const rate of RATES) {
    if (await step(load, target, rate, qos)) pass = rate;
    else {
      fail = rate;
      break;
    }
  }
  if (fail !== null) {
    for (let i = 0; i < 3; i++) {
      const mid = Math.round((pass + fail) / 2);
      if (await step(load, target, mid, qos)) pass = mid;
      else fail = mid;
    }
  }
  return pass;
}

interface Row {
  measure: string;
  value: string;
}
const rows: Row[] = [];
const record = (measure: string, value: string): void => {
  rows.push({ measure, value });
  log(`  ${measure}: ${value}`);
};

async function ingestThroughput(load: LoadGenerator): Promise<void> {
  for (const qos of QOS_LEVELS) {
    log(`\n== ingest throughput, QoS ${qos} (highest sustained rate with no loss and no backlog; ${REPEATS} run(s), median)`);
    const results: Record<string, number[]> = { 'bare aedes': [], Mosquitto: [], gateway: [] };
    const cpu: Record<string, number[]> = { 'bare aedes': [], Mosquitto: [], gateway: [] };
    const cpuWhole: Record<string, number[]> = { 'bare aedes': [], Mosquitto: [], gateway: [] };
    for (let r = 0; r < REPEATS; r++) {
      const makers = [() => bareAedes(), () => mosquitto(qos), () => gatewayTarget({ devices: PUBLISHERS })];
      for (const make of GATEWAY_ONLY ? makers.slice(2) : WITHOUT_MOSQUITTO ? [makers[0]!, makers[2]!] : makers) {
        const target = await make();
        try {
          const windows = await cpuPerMessage(load, target, qos);
          const steady = windows.perMessageMicros;
          const micros = steady.length === 0 ? Number.NaN : median(steady);
          if (steady.length > 0) cpu[target.name]!.push(micros);
          cpuWhole[target.name]!.push(windows.wholeLoadMicros);
          if (CPU_ONLY) {
            log(`  run ${r + 1}: ${target.name} ${micros.toFixed(1)} µs CPU per message at ${CPU_RATE} msg/s (median of ${CPU_WINDOWS.windows} windows)`);
            continue;
          }
          const rate = await sustainedRate(load, target, qos);
          results[target.name]!.push(rate);
          log(`  run ${r + 1}: ${target.name} ${rate} msg/s; ${micros.toFixed(1)} µs CPU per message at ${CPU_RATE} msg/s (median of ${CPU_WINDOWS.windows} windows)`);
        } finally {
          await target.close();
        }
      }
    }
    if (GATEWAY_ONLY || CPU_ONLY) {
      if (!CPU_ONLY) record(`QoS ${qos} gateway (c)`, `${median(results.gateway!)} msg/s`);
      for (const [how, figures] of [['steady windows', cpu], ['whole load', cpuWhole]] as const) {
        const [ca, cb, cc] = [figures['bare aedes']!, figures.Mosquitto!, figures.gateway!].map((xs) => (xs.length === 0 ? Number.NaN : median(xs))) as [number, number, number];
        if (GATEWAY_ONLY) record(`QoS ${qos} gateway CPU per message at ${CPU_RATE} msg/s (${how})`, `${cc.toFixed(1)} µs`);
        else record(`QoS ${qos} broker CPU per message at ${CPU_RATE} msg/s (${how}): bare aedes / Mosquitto / gateway`, `${ca.toFixed(1)} / ${cb.toFixed(1)} / ${cc.toFixed(1)} µs (gateway ÷ aedes ${(cc / ca).toFixed(2)})`);
      }
      continue;
    }
    const a = median(results['bare aedes']!);
    const b = median(results.Mosquitto!);
    const c = median(results.gateway!);
    // A rate at the top of the ladder passed every step: the target takes at least that much.
    const top = RATES[RATES.length - 1]!;
    const rate = (x: number): string => `${x === top ? '≥ ' : ''}${x} msg/s${x === top ? ' (top of the ladder)' : ''}`;
    const ratio = (x: number, y: number): string => (y === 0 ? 'n/a' : `${y === top && x < top ? '≤ ' : ''}${(x / y).toFixed(2)}`);
    record(`QoS ${qos} bare aedes (a)`, rate(a));
    record(`QoS ${qos} Mosquitto + external subscriber (b)`, rate(b));
    record(`QoS ${qos} gateway (c)`, rate(c));
    record(`QoS ${qos} c/a`, ratio(c, a));
    record(`QoS ${qos} c/b`, ratio(c, b));
    const [ca, cb, cc] = [median(cpu['bare aedes']!), median(cpu.Mosquitto!), median(cpu.gateway!)];
    record(`QoS ${qos} broker CPU per message at ${CPU_RATE} msg/s: bare aedes / Mosquitto / gateway`, `${ca.toFixed(1)} / ${cb.toFixed(1)} / ${cc.toFixed(1)} µs (gateway ÷ aedes ${(cc / ca).toFixed(2)})`);
  }
}

async function qos1Flood(load: LoadGenerator): Promise<void> {
  log('\n== QoS 1 flood: 500 clients publishing as fast as the gateway takes them');
  const target = await gatewayTarget({ devices: 500 });
  try {
    const before = target.received();
    const result = await load.run<PublishResult>({ type: 'publish', port: target.port, devices: target.devices, rate: 50_000, durationMs: 5_000, qos: 1, payloadHex: PAYLOAD.toString('hex') });
    const ready = await fetch(`http://127.0.0.1:${target.httpPort}/readyz`);
    // Let the store catch up: stop when the written count has not moved for a second.
    for (let last = -1; last !== target.received(); ) {
      last = target.received();
      await new Promise((r) => setTimeout(r, 1_000));
    }
    const dropped = (await target.gateway.metrics.telemetryDropped.get()).values.reduce((sum, v) => sum + v.value, 0);
    record('QoS 1 flood, 500 clients: PUBACKed / sent', `${result.acked} / ${result.sent}, errors ${result.errors}`);
    record('QoS 1 flood: stored / dropped by the bounded telemetry queue', `${target.received() - before} / ${dropped}`);
    record('QoS 1 flood: gateway alive afterwards (/readyz)', `${ready.status}`);
  } finally {
    await target.close();
  }
}

/** The same fall-to-page run on the embedded SQLite store, then on a PostgreSQL 15 of its own when installed. */
async function alertLatencies(load: LoadGenerator): Promise<void> {
  await alertLatency(load, undefined);
  if (!postgresAvailable()) {
    log('\n(PostgreSQL 15 not installed: the fall-to-page run on PostgreSQL is left out)');
    return;
  }
  const server = new PostgresServer();
  try {
    await server.start();
    await alertLatency(load, await server.createDatabase('bench_latency'));
  } finally {
    await server.stop();
  }
}

async function alertLatency(load: LoadGenerator, databaseUrl: string | undefined): Promise<void> {
  const FALLS = QUICK ? 50 : 200;
  const store = databaseUrl === undefined ? 'SQLite' : 'PostgreSQL';
  log(`\n== alert latency on ${store}: fall PUBLISH to webhook received, ${FALLS} falls, 10,000 readings/s in the background`);
  const webhookPort = await freePort();
  const target = await gatewayTarget({
    devices: 100,
    fallDevices: FALLS,
    webhook: `http://127.0.0.1:${webhookPort}/w1`,
    familyWebhook: `http://127.0.0.1:${webhookPort}/family`,
    countStored: false,
    ...(databaseUrl === undefined ? {} : { databaseUrl }),
  });
  const fallers = bracelets(FALLS, 'f');
  const background = load.run<PublishResult>({ type: 'publish', port: target.port, devices: target.devices, rate: 10_000, durationMs: 15_000 + FALLS * 100, qos: 0, payloadHex: PAYLOAD.toString('hex') });
  // Falls start once the background is flowing at its rate (the generator's 100 devices have
  // connected and been verified), not while it is still connecting.
  const accepted = async (): Promise<number> => (await target.gateway.metrics.messagesAccepted.get()).values.reduce((sum, v) => sum + v.value, 0);
  for (let before = await accepted(); ; ) {
    await new Promise((r) => setTimeout(r, 500));
    const now = await accepted();
    if (now - before >= 4_500) break;
    before = now;
  }
  // The fallen residents' bracelets and the paging endpoint live in a process of their own.
  const fallGenerator = new LoadGenerator();
  const result = await fallGenerator.run<FallsResult>({
    type: 'falls',
    port: target.port,
    devices: fallers.map(({ id, secret, resident }) => ({ id, secret, resident })),
    webhookPort,
    family: true,
    gapMs: 40,
    payloadHex: encodeCbor({ type: 'fall', confidence: 0.95 }).toString('hex'),
  });
  // Was the background still running when the last fall was measured?
  const acceptedAfter = await accepted();
  await new Promise((r) => setTimeout(r, 500));
  const stillLoaded = (await accepted()) - acceptedAfter >= 4_500;
  fallGenerator.close();
  const bg = await background;
  await target.close();
  const latencies = result.latenciesMs;
  const slowest = latencies.map((ms, i) => ({ ms, i })).sort((a, b) => b.ms - a.ms).slice(0, 5);
  log(`  slowest: ${slowest.map((s) => `fall #${s.i + 1} ${s.ms.toFixed(1)} ms`).join(', ')}`);
  record(`fall to page on ${store}, p50`, `${percentile(latencies, 50).toFixed(1)} ms`);
  record(`fall to page on ${store}, p99`, `${percentile(latencies, 99).toFixed(1)} ms`);
  record(`fall to page on ${store}, pages received`, `${latencies.length} of ${FALLS}`);
  record(`fall to family page on ${store}, p99`, `${percentile(result.familyLatenciesMs, 99).toFixed(1)} ms`);
  record(`fall to family page on ${store}, pages received`, `${result.familyLatenciesMs.length} of ${FALLS}`);
  record(`background load achieved on ${store}`, `${Math.round(bg.sent / (bg.elapsedMs / 1000))} readings/s${stillLoaded ? '' : ' (ended before the last fall)'}`);
}

async function connections(): Promise<void> {
  const sizes = [5_000, 10_000];
  log(`\n== connections: memory per idle device, connect storm (per-process open-file limit here: ${spawnSync('sh', ['-c', 'ulimit -n']).stdout.toString().trim()})`);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bench-connections-'));
  let target = await gatewayTarget({ devices: Math.max(...sizes), dataDir });
  const gc = (globalThis as { gc?: () => void }).gc;
  // JS heap plus buffers outside it, after collecting twice: RSS alone moves with what the
  // allocator hands back to the system (provisioning 10,000 devices leaves a lot to hand back).
  const rss = async (): Promise<number> => {
    for (let i = 0; i < 3; i++) {
      gc?.();
      await new Promise((r) => setTimeout(r, 300));
    }
    const m = process.memoryUsage();
    return m.heapUsed + m.external;
  };
  const storm = async (devices: LoadDevice[], concurrency: number): Promise<ConnectResult> => {
    const loader = new LoadGenerator();
    try {
      const result = await loader.run<ConnectResult>({ type: 'connect', port: target.port, devices: devices.map((d, i) => ({ ...d, host: `127.0.0.${1 + (i % 4)}` })), concurrency });
      await loader.run({ type: 'disconnect' });
      return result;
    } finally {
      loader.close();
    }
  };
  try {
    const baseline = await rss();
    let connected = 0;
    const loaders: LoadGenerator[] = [];
    for (const size of sizes) {
      const devices = target.devices.slice(connected, size).map((d, i) => ({ ...d, host: `127.0.0.${1 + (i % 4)}` }));
      const loader = new LoadGenerator();
      loaders.push(loader);
      const result = await loader.run<ConnectResult>({ type: 'connect', port: target.port, devices, concurrency: 500 });
      connected += result.connected;
      if (size === sizes[0]) record(`connect storm, ${result.connected} devices, first connect after the provision file was loaded`, `${(result.elapsedMs / 1000).toFixed(1)} s (${result.failed} failed)`);
      const used = (await rss()) - baseline;
      record(`memory per idle device at ${connected}`, `${(used / connected / 1024).toFixed(1)} KiB (heap + external +${(used / 1048576).toFixed(0)} MiB, RSS ${(process.memoryUsage().rss / 1048576).toFixed(0)} MiB)`);
    }
    for (const loader of loaders) {
      await loader.run({ type: 'disconnect' });
      loader.close();
    }
    const again = await storm(target.devices.slice(0, 10_000), 1_000);
    record('connect storm, 10,000 devices, reconnecting to the same gateway', `${(again.elapsedMs / 1000).toFixed(1)} s (${again.failed} failed)`);

    // The storm that matters: every device coming back after the gateway restarted.
    await target.close();
    const restartedAt = performance.now();
    target = await gatewayTarget({ devices: Math.max(...sizes), dataDir, countStored: false });
    record('restart with 10,000 provisioned devices, start to ready (file loaded)', `${((performance.now() - restartedAt) / 1000).toFixed(1)} s`);
    const slowChecks = async (): Promise<number> => (await target.gateway.metrics.secretSlowChecks.get()).values[0]?.value ?? 0;
    const after = await storm(target.devices.slice(0, 10_000), 1_000);
    record('connect storm, 10,000 devices, first connect after the restart', `${(after.elapsedMs / 1000).toFixed(1)} s (${after.failed} failed; slow secret checks ${await slowChecks()})`);
  } finally {
    await target.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * 50,000 devices: one process here may hold 20,000 open files (a hard limit), so they are spread
 * over gateway processes that share Redis (REDIS_URL), the way the gateway scales past one
 * process. Memory per idle device in each gateway and in Redis; the connect storm of all of them.
 */
async function scaleOut(): Promise<void> {
  const TOTAL = 50_000;
  const GATEWAYS = 3;
  log(`\n== ${TOTAL} devices on ${GATEWAYS} gateway processes sharing Redis`);
  if (!hasBinary('redis-server')) {
    record(`${TOTAL} devices`, 'not measured: redis-server is not installed');
    return;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-scaleout-'));
  const redisPort = await freePort();
  const redis = await spawnServer('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], () => redisPing(redisPort), 'redis-server');
  const redisUrl = `redis://127.0.0.1:${redisPort}`;
  const redisUsed = (): number => Number(/used_memory:(\d+)/.exec(spawnSync('redis-cli', ['-p', String(redisPort), 'info', 'memory']).stdout.toString())?.[1]);
  const gateways = Array.from({ length: GATEWAYS }, () => new JobProcess<GatewayJob>('gateway-process.ts', ['--expose-gc', '--import', 'tsx']));
  const loaders: LoadGenerator[] = [];
  try {
    const devices = bracelets(TOTAL);
    const provisionFile = path.join(dir, 'provision.json');
    writeFileSync(provisionFile, JSON.stringify(benchProvision(devices)));
    const start = (i: number): Promise<GatewayStarted> =>
      gateways[i]!.run<GatewayStarted>({ type: 'start', dataDir: path.join(dir, `gateway-${i}`), provisionFile, redisUrl, secretHashCost: 1024 });
    // Every gateway serves the whole fleet: the first hashes the file, the others start from a copy of its store.
    const loadStarted = performance.now();
    await start(0);
    record(`first load of ${TOTAL} devices (scrypt cost 1,024)`, `${((performance.now() - loadStarted) / 1000).toFixed(1)} s`);
    await gateways[0]!.run({ type: 'stop' });
    for (let i = 1; i < GATEWAYS; i++) cpSync(path.join(dir, 'gateway-0'), path.join(dir, `gateway-${i}`), { recursive: true });
    const started = await Promise.all(gateways.map((_, i) => start(i)));
    const before = await Promise.all(gateways.map((g) => g.run<GatewayMemory>({ type: 'memory' })));
    const redisBefore = redisUsed();

    const shares = started.map((_, i) => devices.filter((_, k) => k % GATEWAYS === i));
    const stormStarted = performance.now();
    const results = await Promise.all(
      started.map((gateway, i) => {
        const loader = new LoadGenerator();
        loaders.push(loader);
        const share = shares[i]!.map((d, k) => ({ id: d.id, secret: d.secret, host: `127.0.0.${1 + (k % 4)}` }));
        return loader.run<ConnectResult>({ type: 'connect', port: gateway.mqttPort, devices: share, concurrency: 500 });
      }),
    );
    const stormMs = performance.now() - stormStarted;
    const connected = results.reduce((n, r) => n + r.connected, 0);
    const failed = results.reduce((n, r) => n + r.failed, 0);
    record(`connect storm, ${connected} devices over ${GATEWAYS} gateways at once`, `${(stormMs / 1000).toFixed(1)} s (${failed} failed)`);
    const after = await Promise.all(gateways.map((g) => g.run<GatewayMemory>({ type: 'memory' })));
    const perDevice = after.map((m, i) => (m.heapAndExternal - before[i]!.heapAndExternal) / results[i]!.connected / 1024);
    const rss = after.map((m) => (m.rss / 1048576).toFixed(0)).join(' / ');
    record(
      `memory per idle device at ${connected} (${results.map((r) => r.connected).join(' + ')} on ${GATEWAYS} gateways)`,
      `${perDevice.map((k) => k.toFixed(1)).join(' / ')} KiB per gateway (heap + external; RSS ${rss} MiB)`,
    );
    record(`Redis memory per idle device at ${connected}`, `${((redisUsed() - redisBefore) / connected / 1024).toFixed(2)} KiB`);
  } finally {
    for (const loader of loaders) {
      await loader.run({ type: 'disconnect' }).catch(() => undefined);
      loader.close();
    }
    for (const gateway of gateways) {
      await gateway.run({ type: 'stop' });
      gateway.close();
    }
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function installToReady(): Promise<void> {
  log('\n== npm ci to /readyz, and the idle gateway’s memory');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-install-'));
  try {
    const started = performance.now();
    spawnSync('git', ['clone', '-q', '--depth', '1', `file://${root}`, dir], { stdio: 'ignore' });
    const ci = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'ignore' });
    if (ci.status !== 0) {
      record('npm ci to /readyz', `npm ci failed (${ci.status})`);
      return;
    }
    const installedAt = performance.now();
    const dataDir = path.join(dir, 'data');
    const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/main.ts'], {
      cwd: dir,
      env: { ...process.env, DATA_DIR: dataDir, MQTT_PORT: '0', MQTT_WS_PORT: '0', HTTP_PORT: '0', LOG_LEVEL: 'warn', PROVISION: 'gateway/demo/provision.yaml' },
      stdio: 'ignore',
    });
    const portsFile = path.join(dataDir, 'ports.json');
    await until(() => existsSync(portsFile), 120_000);
    const { http } = JSON.parse(readFileSync(portsFile, 'utf8')) as { http: number };
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${http}/readyz`).then((r) => r.status === 200, () => false);
      if (ok) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const readyAt = performance.now();
    record('npm ci', `${((installedAt - started) / 1000).toFixed(1)} s (clone included)`);
    record('npm ci to /readyz', `${((readyAt - started) / 1000).toFixed(1)} s (start alone ${((readyAt - installedAt) / 1000).toFixed(1)} s)`);
    await new Promise((r) => setTimeout(r, 5_000));
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const vmRss = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    record('idle gateway RSS (demo community)', vmRss === undefined ? 'n/a' : `${(Number(vmRss) / 1024).toFixed(0)} MiB`);
    child.kill('SIGTERM');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
  log(`machine: ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}, Node ${process.version}`);
  log(`mosquitto: ${spawnSync('mosquitto', ['-h']).stdout.toString().split('\n')[0] ?? 'missing'}`);
  const only = process.argv.slice(2);
  const want = (name: string): boolean => only.length === 0 || only.includes(name);
  const load = new LoadGenerator();
  try {
    if (want('ingest')) await ingestThroughput(load);
    if (want('flood')) await qos1Flood(load);
    if (want('latency')) await alertLatencies(load);
  } finally {
    load.close();
  }
  if (want('connections')) await connections();
  if (want('scaleout')) await scaleOut();
  if (want('install')) await installToReady();
  if (want('emergency')) await emergencyBench(log, record, QUICK);
  if (want('aqhi')) await aqhiBench(log, record, QUICK);
  if (want('accesslog')) await accessLogBench(log, record, QUICK);
  if (want('store')) await storeBench(log, record, QUICK);
  if (want('cluster')) await clusterLatencyBench(log, record, QUICK);
  if (want('failover')) await failoverBench(log, record, QUICK);
  log('\n| measure | value |\n|---|---|');
  for (const row of rows) log(`| ${row.measure} | ${row.value} |`);
}

await main();
process.exit(0);
