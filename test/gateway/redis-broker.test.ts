import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encodeCbor } from '../../sensors/index.js';
import { BrokerRedisConnection, connectRedisState } from '../../broker/redis-state.js';
import { freePort, redisPing, serverAvailable, spawnServer, type ExternalServer } from '../helpers/external-server.js';
import { ADMIN_TOKEN, SECRETS, startHarness, type Harness } from '../helpers/gateway-harness.js';
import { waitFor } from '../helpers/wait-for.js';

/** Messages received per topic by an MQTT client. */
function collect(client: MqttClient): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  client.on('message', (topic, payload) => seen.set(topic, [...(seen.get(topic) ?? []), payload.toString()]));
  return seen;
}

describe.skipIf(!serverAvailable('redis-server'))('broker sessions and pub/sub in Redis (REDIS_URL)', () => {
  let redis: ExternalServer;
  let redisPort: number;
  let redisUrl: string;
  const startRedis = (port: number): Promise<ExternalServer> =>
    spawnServer('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], () => redisPing(port), 'redis-server');
  const harnesses: Harness[] = [];
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    redisPort = await freePort();
    redisUrl = `redis://127.0.0.1:${redisPort}`;
    redis = await startRedis(redisPort);
  });
  afterAll(async () => {
    await redis?.stop();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true).catch(() => undefined)));
    for (const h of harnesses.splice(0)) await h.dispose();
  });

  const gateway = async (): Promise<Harness> => {
    const h = await startHarness({ overrides: { redisUrl } });
    harnesses.push(h);
    return h;
  };
  const appClient = async (h: Harness, clientId: string): Promise<MqttClient> => {
    const client = await mqtt.connectAsync(h.mqttUrl, { clientId, username: 'token', password: ADMIN_TOKEN, reconnectPeriod: 0 });
    clients.push(client);
    return client;
  };

  it('two gateways on one Redis: an app on one hears the alerts and the retained feed the other publishes', async () => {
    const [a, b] = [await gateway(), await gateway()];
    const app = await appClient(b, 'console-on-b');
    const seen = collect(app);
    await app.subscribeAsync('alerts/grid/+', { qos: 1 });
    const bracelet = await a.device('b-0001');
    await bracelet.event({ type: 'sos' });
    const message = await waitFor('the SOS alert, raised on gateway A, at the app on gateway B', () =>
      seen.get('alerts/grid/g1')?.map((m) => JSON.parse(m) as { change: string[]; alert: { kind: string; subject: string } }).find((m) => m.alert.kind === 'sos'),
    );
    expect(message.alert.subject).toBe('r1');

    await a.gateway.broker!.publish('feeds/aqhi/s-test', JSON.stringify({ station: 's-test', aqhi: 4 }), { qos: 1, retain: true });
    const late = await appClient(b, 'board-on-b');
    const lateSeen = collect(late);
    await late.subscribeAsync('feeds/aqhi/+', { qos: 1 });
    const retained = await waitFor('the retained index message, kept in Redis', () => lateSeen.get('feeds/aqhi/s-test')?.[0]);
    expect(JSON.parse(retained)).toEqual({ station: 's-test', aqhi: 4 });
  });

  it('a device session outlives the gateway: a QoS 1 command queued while it was away arrives after a restart', async () => {
    const first = await gateway();
    const options = { clientId: 'b-0002', username: 'b-0002', password: SECRETS['b-0002']!, clean: false, reconnectPeriod: 0 };
    const away = await mqtt.connectAsync(first.mqttUrl, options);
    await away.subscribeAsync('devices/b-0002/commands', { qos: 1 });
    await away.endAsync();
    await first.gateway.broker!.publish('devices/b-0002/commands', JSON.stringify({ cmd: 'locate' }), { qos: 1 });
    await first.stop();

    const second = await gateway();
    const back = mqtt.connect(second.mqttUrl, options);
    clients.push(back);
    const seen = collect(back);
    const command = await waitFor('the command queued in the device session in Redis', () => seen.get('devices/b-0002/commands')?.[0]);
    expect(JSON.parse(command)).toEqual({ cmd: 'locate' });
    // And the gateway still ingests what the device sends.
    back.publish('devices/b-0002/telemetry', encodeCbor({ hr: 71 }), { qos: 1 });
    await waitFor('the reading accepted by the second gateway', async () =>
      (await second.gateway.metrics.messagesAccepted.get()).values.some((v) => v.labels.channel === 'telemetry' && v.value >= 1),
    );
  });

  it('is not ready while Redis is away, and ready again once it is back', async () => {
    const h = await gateway();
    const ready = async (): Promise<{ status: number; checks: Record<string, boolean> }> => {
      const r = await h.api('GET', '/readyz', undefined, null);
      return { status: r.status, checks: (r.body as { checks: Record<string, boolean> }).checks };
    };
    expect(await ready()).toMatchObject({ status: 200, checks: { redis: true, broker: true } });
    await redis.stop();
    await waitFor('/readyz to say Redis is away', async () => {
      const r = await ready();
      return r.status === 503 && r.checks.redis === false;
    });
    redis = await startRedis(redisPort);
    await waitFor('/readyz to be ready again', async () => (await ready()).status === 200, 20_000);
  });

  it('refuses to start when Redis does not answer, saying so', async () => {
    const port = await freePort();
    await expect(startHarness({ overrides: { redisUrl: `redis://127.0.0.1:${port}`, broker: { secretHashCost: 1024, redisConnectTimeoutMs: 1000 } } })).rejects.toThrow(
      /Redis at redis:\/\/127\.0\.0\.1:\d+ did not answer within 1000 ms/,
    );
  });
});

describe('the broker connections to Redis when it is away', () => {
  it.skipIf(!serverAvailable('redis-server'))('a failed reconnect is no uncaught exception', async () => {
    const port = await freePort();
    const server = await spawnServer('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], () => redisPing(port), 'redis-server');
    const state = await connectRedisState(`redis://127.0.0.1:${port}`, 10_000);
    // Count the emitter's errors without listening for them (a listener would hide a missing one).
    const emitter = (state.options.mq as unknown as { state: { emit(event: string, ...args: unknown[]): boolean } }).state;
    const emit = emitter.emit.bind(emitter);
    let errors = 0;
    emitter.emit = (event: string, ...args: unknown[]) => {
      if (event === 'error') errors++;
      return emit(event, ...args);
    };
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown): void => void uncaught.push(err);
    process.on('uncaughtException', onUncaught);
    try {
      await server.stop();
      await waitFor('a reconnect to fail while Redis is away', () => errors >= 2, 20_000);
      await new Promise((resolve) => setImmediate(resolve));
      expect(uncaught).toEqual([]);
      expect(state.ready()).toBe(false);
    } finally {
      process.off('uncaughtException', onUncaught);
      await state.close().catch(() => undefined);
    }
  });

  it('a command sent without awaiting fails quietly; an awaited one still reports its error', async () => {
    const port = await freePort();
    const conn = new BrokerRedisConnection({ host: '127.0.0.1', port, maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
    conn.on('error', () => undefined);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      // As the persistence does with its Last Will list, and the emitter with QUIT.
      void conn.lrem('will', 0, 'will:b:b-0001');
      await expect(conn.get('retained')).rejects.toThrow();
      // Give an unhandled rejection its turn to be reported.
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      conn.disconnect();
    }
  });
});
