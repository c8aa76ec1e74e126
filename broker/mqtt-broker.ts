import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import { Aedes, type AuthenticateError, type Client, type PublishPacket, type Subscription } from 'aedes';
import type { Logger } from 'pino';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { InboundChannel } from '../sensors/index.js';
import { authorizeAppPublish, authorizeAppSubscribe, authorizeDeviceSubscribe, authorizeDevicePublish, isAppLogin, type AppClient } from './acl.js';
import { once } from './once.js';
import { connectRedisState } from './redis-state.js';

export type AuthOutcome = 'ok' | 'unknown_device' | 'bad_secret' | 'bad_client_id' | 'bad_token' | 'client_id_taken';

/** An app login (user name `token`, password an API token): the client it is, or why not. */
export type AppAuthResult = { outcome: 'ok'; client: AppClient } | { outcome: Exclude<AuthOutcome, 'ok'> };

/** What the broker needs from the rest of the gateway; it knows nothing else of it. */
export interface BrokerHooks {
  authenticateDevice(clientId: string, username: string | undefined, secret: string | undefined): Promise<AuthOutcome>;
  /** Resolves an app login; without it, only devices can connect. */
  authenticateApp?(clientId: string, token: string | undefined): Promise<AppAuthResult>;
  /**
   * Called for every authorised device PUBLISH, before the QoS 1 PUBACK: once it returns, the
   * message is the gateway's responsibility. Must not throw.
   */
  devicePublished(deviceId: string, channel: InboundChannel, payload: Buffer, receivedAtMs: number): void;
  connectionRefused(clientId: string, outcome: Exclude<AuthOutcome, 'ok'>): void;
  aclDenied(clientId: string, action: 'publish' | 'subscribe', topic: string, reason: string): void;
  clientCountChanged(connected: number): void;
}

export interface BrokerLimits {
  connectTimeoutMs: number;
  keepaliveLimitS: number;
  queueLimit: number;
  concurrency: number;
  drainTimeoutMs: number;
  maxTopicLevels: number;
  /** With a Redis URL: how long the start waits for Redis. */
  redisConnectTimeoutMs: number;
}

export interface BrokerOptions {
  host: string;
  mqttPort: number;
  mqttWsPort: number;
  limits: BrokerLimits;
  hooks: BrokerHooks;
  log: Logger;
  now?: () => number;
  /** CONTRACT.md: when set, sessions, retained messages and pub/sub go through Redis. */
  redisUrl?: string;
}

export interface RunningBroker {
  readonly aedes: Aedes;
  readonly ports: { mqtt: number; mqttWs: number };
  /** Publishes from the gateway itself (commands, feeds); bypasses device ACLs. */
  publish(topic: string, payload: Buffer | string, options: { qos: 0 | 1; retain?: boolean }): Promise<void>;
  /** Stops accepting, disconnects clients, closes. Device Last Wills are not fired by our own shutdown. */
  close(): Promise<void>;
  readonly listening: boolean;
  /** With REDIS_URL, whether Redis is reachable now; undefined without it. */
  readonly redisReady: boolean | undefined;
}

const REFUSAL_CODES: Record<Exclude<AuthOutcome, 'ok'>, number> = {
  bad_client_id: 2, // identifier rejected (MQTT 3.1.1 §3.2.2.3)
  unknown_device: 4, // bad user name or password
  bad_secret: 4,
  bad_token: 4,
  client_id_taken: 2, // an app may not take a device's client id (and with it the device's session)
};

export async function startMqttBroker(options: BrokerOptions): Promise<RunningBroker> {
  const { hooks, log, limits } = options;
  const now = options.now ?? Date.now;
  let closing = false;

  const redis = options.redisUrl === undefined ? undefined : await connectRedisState(options.redisUrl, limits.redisConnectTimeoutMs);
  const aedes = await Aedes.createBroker({
    ...redis?.options,
    connectTimeout: limits.connectTimeoutMs,
    keepaliveLimit: limits.keepaliveLimitS,
    queueLimit: limits.queueLimit,
    concurrency: limits.concurrency,
    drainTimeout: limits.drainTimeoutMs,
    maxTopicLevels: limits.maxTopicLevels,
    maxClientsIdLength: 64,
  }).catch(async (err: unknown) => {
    await redis?.close();
    throw err;
  });

  // App clients by their aedes client object; anything not in here is a device.
  const appClients = new WeakMap<Client, AppClient>();

  const authenticate = async (client: Client, username: string | undefined, secret: string | undefined): Promise<AuthOutcome> => {
    if (hooks.authenticateApp === undefined || !isAppLogin(client.id, username)) return hooks.authenticateDevice(client.id, username, secret);
    const result = await hooks.authenticateApp(client.id, secret);
    if (result.outcome === 'ok') appClients.set(client, result.client);
    return result.outcome;
  };

  aedes.authenticate = (client: Client, username, password, callback) => {
    const done = once(callback);
    const secret = password === undefined ? undefined : Buffer.from(password).toString('utf8');
    authenticate(client, username, secret).then(
      (outcome) => {
        if (outcome === 'ok') return done(null, true);
        hooks.connectionRefused(client.id, outcome);
        const err = new Error(`connection refused: ${outcome}`) as AuthenticateError;
        err.returnCode = REFUSAL_CODES[outcome];
        done(err, null);
      },
      (err: unknown) => {
        log.error({ err, clientId: client.id }, 'authentication failed unexpectedly');
        const refusal = new Error('authentication unavailable') as AuthenticateError;
        refusal.returnCode = 3; // server unavailable
        done(refusal, null);
      },
    );
  };

  aedes.authorizePublish = (client: Client | null, packet: PublishPacket, callback) => {
    if (client === null) return callback(new Error('no client'));
    if (appClients.has(client)) {
      const denied = authorizeAppPublish(packet.topic);
      hooks.aclDenied(client.id, 'publish', packet.topic, denied.reason);
      return callback(new Error(denied.reason));
    }
    const decision = authorizeDevicePublish(client.id, packet.topic);
    if (!decision.allowed) {
      hooks.aclDenied(client.id, 'publish', packet.topic, decision.reason);
      // MQTT 3.1.1 §3.3.5 [MQTT-3.3.5-2]: no way to tell the client; close the connection.
      return callback(new Error(decision.reason));
    }
    if (!closing) hooks.devicePublished(client.id, decision.channel, packet.payload as Buffer, now());
    callback(null);
  };

  aedes.authorizeSubscribe = (client: Client, subscription: Subscription, callback) => {
    const app = appClients.get(client);
    if (app !== undefined) {
      const decision = authorizeAppSubscribe(app, subscription.topic);
      if (decision.allowed) return callback(null, subscription);
      hooks.aclDenied(client.id, 'subscribe', subscription.topic, decision.reason);
      return callback(null, null);
    }
    if (authorizeDeviceSubscribe(client.id, subscription.topic)) return callback(null, subscription);
    hooks.aclDenied(client.id, 'subscribe', subscription.topic, 'devices subscribe only to their own commands');
    // A null subscription is a SUBACK failure (0x80) for this filter; the connection stays.
    callback(null, null);
  };

  // Nothing a device publishes is forwarded to another device.
  aedes.authorizeForward = (client: Client, packet) => (packet.topic.startsWith('devices/') && !packet.topic.endsWith('/commands') ? null : packet);

  const countClients = (): void => hooks.clientCountChanged(aedes.connectedClients);
  aedes.on('client', countClients);
  aedes.on('clientDisconnect', countClients);
  aedes.on('clientError', (client: Client, err: Error) => log.debug({ clientId: client.id, err: err.message }, 'client error'));
  aedes.on('connectionError', (client: Client, err: Error) => log.debug({ clientId: client.id, err: err.message }, 'connection error'));

  const tcp: TcpServer = createTcpServer((socket) => aedes.handle(socket));
  const http: HttpServer = createHttpServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over WebSocket only\n');
  });
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
  wss.on('connection', (ws, req) => {
    const stream = createWebSocketStream(ws);
    stream.on('error', () => stream.destroy());
    aedes.handle(stream, req);
  });

  const listen = (server: TcpServer | HttpServer, port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, options.host, () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });

  let listening = false;
  let ports: { mqtt: number; mqttWs: number };
  try {
    const mqtt = await listen(tcp, options.mqttPort);
    const mqttWs = await listen(http, options.mqttWsPort);
    ports = { mqtt, mqttWs };
    listening = true;
  } catch (err) {
    tcp.close();
    http.close();
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    await redis?.close();
    throw err;
  }

  return {
    aedes,
    ports,
    get listening() {
      return listening;
    },
    get redisReady() {
      return redis?.ready();
    },
    publish(topic, payload, publishOptions) {
      return new Promise((resolve, reject) => {
        aedes.publish(
          { cmd: 'publish', topic, payload: typeof payload === 'string' ? Buffer.from(payload) : payload, qos: publishOptions.qos, retain: publishOptions.retain ?? false, dup: false },
          (err) => (err ? reject(err) : resolve()),
        );
      });
    },
    async close() {
      if (closing) return;
      closing = true;
      listening = false;
      const closeServer = (server: TcpServer | HttpServer): Promise<void> => new Promise((resolve) => server.close(() => resolve()));
      const stopped = Promise.all([closeServer(tcp), closeServer(http)]);
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await redis?.close();
      await stopped;
    },
  };
}
