import type { DeviceKind } from '../sensors/index.js';
import { AedCabinetModel } from './aed-cabinet-model.js';
import { AirStationModel } from './air-station-model.js';
import { BinModel } from './bin-model.js';
import { BraceletModel } from './bracelet-model.js';
import { SimulatedDevice, type ReconnectBackoff } from './device-client.js';
import type { DeviceMessage, DeviceModel } from './device-message.js';
import { DEFAULT_BACKOFF } from './device-runner.js';
import type { SimDevice, SimProvision } from './sim-provision.js';

export type FleetEncoding = 'cbor' | 'json' | 'mixed';

export interface FleetOptions {
  /** The gateway's MQTT listener. */
  url: string;
  provision: SimProvision;
  /** Use the first N devices of the provision; all by default. */
  deviceCount?: number;
  /** Telemetry messages per second over the whole fleet; 0 only connects. */
  ratePerS: number;
  qos: 0 | 1;
  encoding?: FleetEncoding;
  /** New connections per second. */
  rampPerS?: number;
  /** Connection attempts under way at once. */
  connectConcurrency?: number;
  /** How long one device waits for its CONNACK before the attempt counts as failed (default 5 s). */
  connectTimeoutMs?: number;
  /** Stop sending after this many telemetry messages. */
  messages?: number;
  /** Stop this long after the start. */
  durationS?: number;
  /** Messages handed to clients and not yet sent; beyond it the generator waits (and says so). */
  maxInFlight?: number;
  /** Source addresses to spread connections over (beyond ~28,000 per address). */
  localAddresses?: readonly string[];
  reconnect?: ReconnectBackoff | false;
  seed?: string;
  progressEveryMs?: number;
  onProgress?: (progress: FleetProgress) => void;
}

export interface FleetProgress {
  elapsedS: number;
  devices: number;
  connected: number;
  connectFailures: number;
  /** Telemetry messages the broker took (written at QoS 0, acknowledged at QoS 1). */
  telemetrySent: number;
  /** Status messages (one per connection, and per reconnection). */
  statusSent: number;
  errors: number;
  inFlight: number;
  /** Telemetry sent per second since the previous progress report. */
  ratePerS: number;
}

export interface FleetSummary extends FleetProgress {
  byKind: Record<DeviceKind, number>;
  qos: 0 | 1;
  encoding: FleetEncoding;
  /** Time from the first connection attempt to the last connection. */
  connectSpanS: number;
  connectP50Ms: number;
  connectP99Ms: number;
  meanRatePerS: number;
  /** Times the generator had to wait for in-flight messages. */
  throttled: number;
  reconnects: number;
  firstErrors: string[];
}

export interface Fleet {
  readonly done: Promise<FleetSummary>;
  progress(): FleetProgress;
  /** Stops sending, waits briefly for what is in flight, disconnects everyone cleanly. */
  stop(): Promise<FleetSummary>;
}

const POOL_SIZE = 32;

/**
 * Telemetry bodies from a small pool of device models per kind: real payload shapes and sizes,
 * without a full model per connection (a hundred thousand of them would cost gigabytes).
 */
function payloadPool(provision: SimProvision, seed: string, startMs: number): (kind: DeviceKind, index: number, nowMs: number) => DeviceMessage['body'] {
  const timeZone = provision.timeZone;
  const common = (i: number) => ({ deviceId: `pool-${i}`, timeZone, seed, startMs });
  const residents = provision.residents.filter((r) => r.home !== undefined);
  const pools: Record<DeviceKind, DeviceModel[]> = {
    bracelet: Array.from({ length: POOL_SIZE }, (_, i) => new BraceletModel({ ...common(i), resident: residents[i % Math.max(1, residents.length)] ?? { id: `pool-${i}`, name: 'pool', grid: '', conditions: [] } })),
    aed: Array.from({ length: POOL_SIZE }, (_, i) => new AedCabinetModel(common(i))),
    air: Array.from({ length: POOL_SIZE }, (_, i) => new AirStationModel(common(i))),
    bin: Array.from({ length: POOL_SIZE }, (_, i) => new BinModel({ ...common(i), air: new AirStationModel(common(i)) })),
  };
  return (kind, index, nowMs) => {
    const messages = pools[kind][index % POOL_SIZE]!.sample(nowMs);
    return messages.find((m) => m.channel === 'telemetry')!.body;
  };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Connected {
  device: SimulatedDevice;
  kind: DeviceKind;
  index: number;
}

/** The load generator: N devices connecting at a ramp and sending telemetry at a rate. */
export function startFleet(options: FleetOptions): Fleet {
  const startedAt = performance.now();
  const targets: SimDevice[] = options.provision.devices.slice(0, options.deviceCount ?? options.provision.devices.length);
  const encoding = options.encoding ?? 'cbor';
  const rampPerS = options.rampPerS ?? 500;
  const concurrency = options.connectConcurrency ?? 200;
  const maxInFlight = options.maxInFlight ?? 10_000;
  const payload = payloadPool(options.provision, options.seed ?? 'fleet', Date.now());
  const byKind: Record<DeviceKind, number> = { bracelet: 0, aed: 0, air: 0, bin: 0 };
  for (const d of targets) byKind[d.kind]++;

  const connected: Connected[] = [];
  const connectTimes: number[] = [];
  const firstErrors: string[] = [];
  let nextToConnect = 0;
  let connecting = 0;
  let connectFailures = 0;
  let lastConnectAt = startedAt;
  let rampBudget = 0;
  let sendBudget = 0;
  let handed = 0;
  let telemetrySent = 0;
  let errors = 0;
  let inFlight = 0;
  let throttled = 0;
  let cursor = 0;
  let lastTick = performance.now();
  let lastReport = { at: startedAt, sent: 0 };
  let sending = true;
  let finished = false;
  let resolveDone: (summary: FleetSummary) => void = () => undefined;
  const done = new Promise<FleetSummary>((resolve) => {
    resolveDone = resolve;
  });

  const noteError = (text: string): void => {
    if (firstErrors.length < 5) firstErrors.push(text);
  };

  function connectOne(index: number): void {
    const target = targets[index]!;
    connecting++;
    const began = performance.now();
    const localAddress = options.localAddresses === undefined || options.localAddresses.length === 0 ? undefined : options.localAddresses[index % options.localAddresses.length];
    SimulatedDevice.connect({
      id: target.id,
      secret: target.secret,
      url: options.url,
      encoding: encoding === 'mixed' ? (index % 2 === 0 ? 'cbor' : 'json') : encoding,
      fw: 'fleet-1.0.0',
      ...(options.reconnect === false ? {} : { reconnect: options.reconnect ?? DEFAULT_BACKOFF }),
      ...(localAddress === undefined ? {} : { localAddress }),
      ...(options.connectTimeoutMs === undefined ? {} : { extra: { connectTimeout: options.connectTimeoutMs } }),
    }).then(
      (device) => {
        connecting--;
        lastConnectAt = performance.now();
        connectTimes.push(lastConnectAt - began);
        if (finished) {
          void device.close(1000);
          return;
        }
        connected.push({ device, kind: target.kind, index });
      },
      (err: unknown) => {
        connecting--;
        connectFailures++;
        noteError(`${target.id}: ${err instanceof Error ? err.message : String(err)}`);
      },
    );
  }

  function sendOne(): boolean {
    for (let tries = 0; tries < connected.length; tries++) {
      const c = connected[cursor++ % connected.length]!;
      if (!c.device.connected) continue;
      handed++;
      inFlight++;
      c.device.telemetry({ ...payload(c.kind, c.index, Date.now()) }, options.qos).then(
        () => {
          inFlight--;
          telemetrySent++;
        },
        (err: unknown) => {
          inFlight--;
          errors++;
          noteError(`${c.device.options.id}: ${err instanceof Error ? err.message : String(err)}`);
        },
      );
      return true;
    }
    return false;
  }

  const allConnectsTried = (): boolean => nextToConnect >= targets.length && connecting === 0;

  function tick(): void {
    const now = performance.now();
    const dtS = (now - lastTick) / 1000;
    lastTick = now;
    // Connection ramp.
    rampBudget = Math.min(rampBudget + rampPerS * dtS, Math.max(1, rampPerS));
    while (rampBudget >= 1 && nextToConnect < targets.length && connecting < concurrency) {
      rampBudget--;
      connectOne(nextToConnect++);
    }
    // Message rate; a burst after a stall is capped at half a second's worth.
    if (sending && options.ratePerS > 0) {
      sendBudget = Math.min(sendBudget + options.ratePerS * dtS, Math.max(1, options.ratePerS / 2));
      while (sendBudget >= 1 && (options.messages === undefined || handed < options.messages)) {
        if (inFlight >= maxInFlight) {
          throttled++;
          break;
        }
        if (!sendOne()) break;
        sendBudget--;
      }
    }
    const outOfMessages = options.messages !== undefined && handed >= options.messages && inFlight === 0;
    const outOfTime = options.durationS !== undefined && now - startedAt >= options.durationS * 1000;
    if (outOfTime) sending = false;
    if ((outOfMessages || outOfTime) && allConnectsTried()) void stop();
  }

  function progress(): FleetProgress {
    const now = performance.now();
    const totalSent = connected.reduce((n, c) => n + c.device.stats.sent, 0);
    const dtS = Math.max(1e-3, (now - lastReport.at) / 1000);
    const rate = (telemetrySent - lastReport.sent) / dtS;
    return {
      elapsedS: (now - startedAt) / 1000,
      devices: targets.length,
      connected: connected.filter((c) => c.device.connected).length,
      connectFailures,
      telemetrySent,
      statusSent: totalSent - telemetrySent,
      errors,
      inFlight,
      ratePerS: rate,
    };
  }

  const loop = setInterval(tick, 10);
  const reporter = setInterval(() => {
    const p = progress();
    lastReport = { at: performance.now(), sent: p.telemetrySent };
    options.onProgress?.(p);
  }, options.progressEveryMs ?? 1000);

  let stopping: Promise<FleetSummary> | undefined;
  function stop(): Promise<FleetSummary> {
    stopping ??= (async () => {
      finished = true;
      sending = false;
      clearInterval(loop);
      clearInterval(reporter);
      const deadline = performance.now() + 10_000;
      while (inFlight > 0 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      const last = progress();
      const sortedConnects = [...connectTimes].sort((a, b) => a - b);
      const summary: FleetSummary = {
        ...last,
        connected: connected.length,
        byKind,
        qos: options.qos,
        encoding,
        connectSpanS: connectTimes.length === 0 ? 0 : (lastConnectAt - startedAt) / 1000,
        connectP50Ms: percentile(sortedConnects, 50),
        connectP99Ms: percentile(sortedConnects, 99),
        meanRatePerS: last.telemetrySent / Math.max(1e-3, last.elapsedS),
        throttled,
        reconnects: connected.reduce((n, c) => n + c.device.stats.reconnects, 0),
        firstErrors,
      };
      // Leave in batches: a hundred thousand DISCONNECTs at once would be a storm of its own.
      for (let i = 0; i < connected.length; i += 500) {
        await Promise.allSettled(connected.slice(i, i + 500).map((c) => c.device.close(2000)));
      }
      resolveDone(summary);
      return summary;
    })();
    return stopping;
  }

  return { done, progress, stop };
}

const int = (n: number): string => Math.round(n).toLocaleString('en-US');

/** One progress line, at most once a second. */
export function progressLine(p: FleetProgress): string {
  return `[fleet ${p.elapsedS.toFixed(0)}s] connected ${int(p.connected)}/${int(p.devices)}${p.connectFailures > 0 ? ` (${int(p.connectFailures)} failed)` : ''}, sent ${int(p.telemetrySent)} telemetry + ${int(p.statusSent)} status, errors ${int(p.errors)}, ${int(p.ratePerS)} msg/s${p.inFlight > 0 ? `, in flight ${int(p.inFlight)}` : ''}`;
}

export function summaryLines(s: FleetSummary): string[] {
  return [
    'fleet summary',
    `  devices      ${int(s.devices)} (bracelet ${int(s.byKind.bracelet)}, aed ${int(s.byKind.aed)}, air ${int(s.byKind.air)}), ${s.encoding}, telemetry QoS ${s.qos}`,
    `  connected    ${int(s.connected)} in ${s.connectSpanS.toFixed(1)} s (connect p50 ${s.connectP50Ms.toFixed(0)} ms, p99 ${s.connectP99Ms.toFixed(0)} ms), ${int(s.connectFailures)} failed, ${int(s.reconnects)} reconnects`,
    `  sent         ${int(s.telemetrySent)} telemetry + ${int(s.statusSent)} status = ${int(s.telemetrySent + s.statusSent)} messages`,
    `  errors       ${int(s.errors)}${s.throttled > 0 ? `; waited for in-flight messages ${int(s.throttled)} times` : ''}`,
    `  duration     ${s.elapsedS.toFixed(1)} s, mean ${int(s.meanRatePerS)} telemetry msg/s`,
    ...s.firstErrors.map((e) => `  error        ${e}`),
  ];
}
