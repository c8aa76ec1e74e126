import { createServer } from 'node:http';
import mqtt, { type MqttClient } from 'mqtt';
import { encodeCbor } from '../../sensors/index.js';

/*
 * The load generator, run as its own process (forked by the benchmark) so its CPU and memory are
 * not counted as the broker's. It takes one job over IPC and answers with what it did.
 */

export interface LoadDevice {
  id: string;
  secret?: string;
  /** Publish to this host instead of the job's (several loopback addresses get past the port range). */
  host?: string;
}

export type LoadJob =
  | {
      type: 'publish';
      port: number;
      devices: LoadDevice[];
      /** Messages per second over all devices. */
      rate: number;
      durationMs: number;
      qos: 0 | 1;
      /** Hex of the payload each message carries. */
      payloadHex: string;
      /** Say `{ type: 'connected' }` once every device is connected, before publishing. */
      announceConnected?: boolean;
      /** Wait this long, connected and silent, before publishing; then say `{ type: 'publishing' }`. */
      idleMs?: number;
    }
  | { type: 'connect'; port: number; devices: LoadDevice[]; concurrency: number }
  | {
      type: 'falls';
      port: number;
      /** Each device publishes one fall, one after another, once the previous page arrived. */
      devices: (LoadDevice & { resident: string })[];
      /** Where the gateway's webhook posts; the receiver listens here. */
      webhookPort: number;
      /** The residents have a family contact paged at `/family`: wait for that page too. */
      family?: boolean;
      gapMs: number;
      payloadHex: string;
    }
  | { type: 'disconnect' }
  /** Ends a running publish job now, as if its time were up. */
  | { type: 'stop' };

export interface PublishResult {
  type: 'published';
  sent: number;
  /** QoS 1: PUBACKs received before the end. */
  acked: number;
  errors: number;
  elapsedMs: number;
}
export interface FallsResult {
  type: 'falls';
  /** PUBLISH to webhook received, per fall that was paged, in milliseconds. */
  latenciesMs: number[];
  /** The same for the family's page (a webhook path of `/family`), when the community has one. */
  familyLatenciesMs: number[];
}
export interface ConnectResult {
  type: 'connected';
  connected: number;
  failed: number;
  elapsedMs: number;
}

const TICK_MS = 10;
const OFFLINE = encodeCbor({ online: false });
/** QoS 0 frames written per socket write at most. */
const FRAMES_PER_WRITE = 512;
let held: MqttClient[] = [];
let stopRequested = false;

/** An MQTT 3.1.1 QoS 0 PUBLISH frame (fixed header, topic, payload). */
function qos0PublishFrame(topic: string, payload: Buffer): Buffer {
  const topicBytes = Buffer.from(topic, 'utf8');
  let remaining = 2 + topicBytes.length + payload.length;
  const length: number[] = [];
  do {
    let byte = remaining % 128;
    remaining = Math.floor(remaining / 128);
    if (remaining > 0) byte |= 0x80;
    length.push(byte);
  } while (remaining > 0);
  const topicLength = Buffer.alloc(2);
  topicLength.writeUInt16BE(topicBytes.length);
  return Buffer.concat([Buffer.from([0x30, ...length]), topicLength, topicBytes, payload]);
}

function connect(port: number, device: LoadDevice): Promise<MqttClient> {
  return mqtt.connectAsync({
    host: device.host ?? '127.0.0.1',
    port,
    clientId: device.id,
    ...(device.secret === undefined ? {} : { username: device.id, password: device.secret }),
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 60_000,
    keepalive: 600,
    // As the contract's devices do: the broker keeps each one's Last Will while it is connected.
    will: { topic: `devices/${device.id}/status`, payload: OFFLINE, qos: 1, retain: false },
  });
}

async function connectAll(port: number, devices: LoadDevice[], concurrency: number): Promise<{ clients: MqttClient[]; failed: number }> {
  const clients: MqttClient[] = [];
  let failed = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, devices.length) }, async () => {
      while (next < devices.length) {
        const device = devices[next++]!;
        try {
          clients.push(await connect(port, device));
        } catch {
          failed++;
        }
      }
    }),
  );
  return { clients, failed };
}

async function publish(job: Extract<LoadJob, { type: 'publish' }>): Promise<PublishResult> {
  const { clients } = await connectAll(job.port, job.devices, 50);
  if (job.announceConnected === true) process.send!({ type: 'connected' });
  if (job.idleMs !== undefined) {
    await new Promise((r) => setTimeout(r, job.idleMs));
    process.send!({ type: 'publishing' });
  }
  const topics = clients.map((c) => `devices/${c.options.clientId}/telemetry`);
  const payload = Buffer.from(job.payloadHex, 'hex');
  let total = Math.round((job.rate * job.durationMs) / 1000);
  stopRequested = false;
  let sent = 0;
  let acked = 0;
  let errors = 0;
  let turn = 0;
  // QoS 0 has no state in the client: the frames are encoded once and written in runs, so the
  // generator spends little CPU per message and the two cores go to the broker under test.
  const runs = job.qos === 0 ? topics.map((topic) => Buffer.concat(Array.from({ length: FRAMES_PER_WRITE }, () => qos0PublishFrame(topic, payload)))) : [];
  const pending = new Array<number>(clients.length).fill(0);
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (stopRequested) total = sent;
      // Catch up to where the schedule says we should be, so a slow tick does not lower the rate.
      const due = Math.min(total, Math.round(((performance.now() - started) / 1000) * job.rate));
      while (sent < due) {
        const i = turn++ % clients.length;
        sent++;
        if (job.qos === 0) pending[i]!++;
        else
          clients[i]!.publish(topics[i]!, payload, { qos: 1 }, (err) => {
            if (err) errors++;
            else acked++;
          });
      }
      for (let i = 0; i < pending.length; i++) {
        for (let left = pending[i]!; left > 0; left -= FRAMES_PER_WRITE) {
          clients[i]!.stream.write(runs[i]!.subarray(0, (Math.min(left, FRAMES_PER_WRITE) * runs[i]!.length) / FRAMES_PER_WRITE));
        }
        pending[i] = 0;
      }
      if (sent >= total) {
        clearInterval(timer);
        resolve();
      }
    }, TICK_MS);
  });
  const elapsedMs = performance.now() - started;
  if (job.qos === 1) {
    const deadline = performance.now() + 10_000;
    while (acked + errors < sent && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }
  await Promise.all(clients.map((c) => c.endAsync().catch(() => undefined)));
  return { type: 'published', sent, acked, errors, elapsedMs };
}

/**
 * Fall PUBLISH to page received, both ends here: the devices and the paging endpoint are outside
 * the gateway, as they are in use, and one clock times both.
 */
async function falls(job: Extract<LoadJob, { type: 'falls' }>): Promise<FallsResult> {
  const arrivals = new Map<string, number>();
  const familyArrivals = new Map<string, number>();
  /** Wakes the wait for the fall under way when a page for it arrives (no polling: the generator shares the machine). */
  let arrived: () => void = () => undefined;
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { alert?: { subject: string; kind: string } };
      const seen = req.url === '/family' ? familyArrivals : arrivals;
      if (body.alert?.kind === 'fall' && !seen.has(body.alert.subject)) {
        seen.set(body.alert.subject, at);
        arrived();
      }
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(job.webhookPort, '127.0.0.1', resolve));
  const { clients } = await connectAll(job.port, job.devices, 50);
  const payload = Buffer.from(job.payloadHex, 'hex');
  const latenciesMs: number[] = [];
  const familyLatenciesMs: number[] = [];
  for (const client of clients) {
    const device = job.devices.find((d) => d.id === client.options.clientId)!;
    const sentAt = performance.now();
    client.publish(`devices/${device.id}/events`, payload, { qos: 1 });
    const waitsForFamily = job.family === true;
    const paged = (): boolean => arrivals.has(device.resident) && (!waitsForFamily || familyArrivals.has(device.resident));
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      arrived = () => {
        if (paged()) resolve();
      };
      timer = setTimeout(resolve, Math.max(0, sentAt + 5_000 - performance.now()));
      arrived();
    });
    clearTimeout(timer);
    arrived = () => undefined;
    const at = arrivals.get(device.resident);
    if (at !== undefined) latenciesMs.push(at - sentAt);
    const familyAt = familyArrivals.get(device.resident);
    if (familyAt !== undefined) familyLatenciesMs.push(familyAt - sentAt);
    await new Promise((r) => setTimeout(r, job.gapMs));
  }
  await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
  receiver.closeAllConnections();
  await new Promise((r) => receiver.close(r));
  return { type: 'falls', latenciesMs, familyLatenciesMs };
}

process.on('message', (raw) => {
  const job = raw as LoadJob;
  if (job.type === 'stop') {
    stopRequested = true;
    return;
  }
  void (async () => {
    if (job.type === 'publish') process.send!(await publish(job));
    else if (job.type === 'falls') process.send!(await falls(job));
    else if (job.type === 'connect') {
      const started = performance.now();
      const { clients, failed } = await connectAll(job.port, job.devices, job.concurrency);
      held.push(...clients);
      process.send!({ type: 'connected', connected: clients.length, failed, elapsedMs: performance.now() - started } satisfies ConnectResult);
    } else {
      await Promise.all(held.map((c) => c.endAsync(true).catch(() => undefined)));
      held = [];
      process.send!({ type: 'disconnected' });
    }
  })();
});
