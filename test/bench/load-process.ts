import mqtt, { type MqttClient } from 'mqtt';

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
    }
  | { type: 'connect'; port: number; devices: LoadDevice[]; concurrency: number }
  | { type: 'disconnect' };

export interface PublishResult {
  type: 'published';
  sent: number;
  /** QoS 1: PUBACKs received before the end. */
  acked: number;
  errors: number;
  elapsedMs: number;
}
export interface ConnectResult {
  type: 'connected';
  connected: number;
  failed: number;
  elapsedMs: number;
}

const TICK_MS = 10;
let held: MqttClient[] = [];

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
  const topics = clients.map((c) => `devices/${c.options.clientId}/telemetry`);
  const payload = Buffer.from(job.payloadHex, 'hex');
  const total = Math.round((job.rate * job.durationMs) / 1000);
  let sent = 0;
  let acked = 0;
  let errors = 0;
  let turn = 0;
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      // Catch up to where the schedule says we should be, so a slow tick does not lower the rate.
      const due = Math.min(total, Math.round(((performance.now() - started) / 1000) * job.rate));
      while (sent < due) {
        const i = turn++ % clients.length;
        sent++;
        if (job.qos === 0) clients[i]!.publish(topics[i]!, payload, { qos: 0 });
        else
          clients[i]!.publish(topics[i]!, payload, { qos: 1 }, (err) => {
            if (err) errors++;
            else acked++;
          });
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

process.on('message', (raw) => {
  const job = raw as LoadJob;
  void (async () => {
    if (job.type === 'publish') process.send!(await publish(job));
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
