import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import { Aedes, type AuthenticateError, type Client, type PublishPacket, type Subscription } from 'aedes';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { InboundChannel } from '../sensors/index.js';
import { admitPublish, authorizeAppSubscribe, authorizeDeviceSubscribe, isAppLogin, type AppClient } from './acl.js';
import { createConnectionGuard, type ConnectionRefusal } from './connection-guard.js';
import { createExactlyOnce, type IncomingStore } from './exactly-once.js';
import { once } from './once.js';
import { boundOutgoingBytes } from './outgoing-limit.js';
import { connectRedisState } from './redis-state.js';

export type AuthOutcome = 'ok' | 'unknown_device' | 'bad_secret' | 'bad_client_id' | 'bad_token' | 'client_id_taken' | 'backed_off' | 'busy';

/** An app login (user name `token`, password an API token): the client it is, or why not. */
export type AppAuthResult = { outcome: 'ok'; client: AppClient } | { outcome: Exclude<AuthOutcome, 'ok'> };

/** What the broker needs from the rest of the gateway; it knows nothing else of it. */
export interface BrokerHooks {
  /** `address`: where the connection comes from (the remote IP address). */
  authenticateDevice(clientId: string, username: string | undefined, secret: string | undefined, address: string): Promise<AuthOutcome>;
  /** Resolves an app login; without it, only devices can connect. */
  authenticateApp?(clientId: string, token: string | undefined, address: string): Promise<AppAuthResult>;
  /**
   * Called for every authorised device PUBLISH (QoS 2: once per message, not for its resends).
   * QoS 0 passes no `stored`. QoS 1 and 2 pass `stored`, which the gateway calls once the message
   * is stored; only then does the PUBACK (PUBREC) go out. Called with an error, the connection is
   * closed unacknowledged and the device sends the message again. Must not throw.
   */
  devicePublished(deviceId: string, channel: InboundChannel, payload: Buffer, receivedAtMs: number, stored?: (err?: Error) => void): void;
  /** A device published with the retain flag (CONTRACT.md §2: devices do not); the flag was dropped. */
  retainIgnored(clientId: string, topic: string): void;
  connectionRefused(clientId: string, outcome: Exclude<AuthOutcome, 'ok'>, address: string): void;
  /** A connection closed before it authenticated: a packet over the size limit, or too many from its address. */
  connectionGuarded(reason: ConnectionRefusal, address: string, detail: string): void;
  aclDenied(clientId: string, action: 'publish' | 'subscribe', topic: string, reason: string): void;
  clientCountChanged(connected: number): void;
  /** A client whose outgoing buffer passed `maxQueuedBytesPerClient` was disconnected. */
  slowClientDropped?(clientId: string, queuedBytes: number): void;
}

export interface BrokerLimits {
  connectTimeoutMs: number;
  keepaliveLimitS: number;
  queueLimit: number;
  concurrency: number;
  drainTimeoutMs: number;
  /** Bytes waiting to be written to one client; past it the client is disconnected. */
  maxQueuedBytesPerClient: number;
  maxTopicLevels: number;
  /** Largest MQTT packet, enforced at its fixed header before the body is buffered. */
  maxPacketBytes: number;
  /** Connections from one address that have not authenticated yet; more are closed at once. */
  maxUnauthenticatedPerAddress: number;
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
  // "Server unavailable": try again later. Not 4, which firmware may take as "give up".
  backed_off: 3, // too many failed logins from this address or for this client id
  busy: 3, // the slow secret checks are full
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

  const exactlyOnce = createExactlyOnce((aedes as unknown as { persistence: IncomingStore }).persistence);
  // App clients by their aedes client object; anything not in here is a device.
  const appClients = new WeakMap<Client, AppClient>();

  // Where each connection comes from, for the login back-off and the refusal log.
  const addresses = new WeakMap<Duplex, string>();
  const addressOf = (client: Client): string => addresses.get(client.conn as Duplex) ?? 'unknown';

  const authenticate = async (client: Client, username: string | undefined, secret: string | undefined): Promise<AuthOutcome> => {
    if (hooks.authenticateApp === undefined || !isAppLogin(client.id, username)) return hooks.authenticateDevice(client.id, username, secret, addressOf(client));
    const result = await hooks.authenticateApp(client.id, secret, addressOf(client));
    if (result.outcome === 'ok') appClients.set(client, result.client);
    return result.outcome;
  };

  aedes.authenticate = (client: Client, username, password, callback) => {
    const done = once(callback);
    const secret = password === undefined ? undefined : Buffer.from(password).toString('utf8');
    authenticate(client, username, secret).then(
      (outcome) => {
        if (outcome === 'ok') {
          guard.authenticated(client.conn as Duplex);
          return done(null, true);
        }
        hooks.connectionRefused(client.id, outcome, addressOf(client));
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
    const admission = admitPublish(appClients.has(client), client.id, packet.topic, packet.retain);
    if (!admission.admitted) {
      hooks.aclDenied(client.id, 'publish', packet.topic, admission.reason);
      // MQTT 3.1.1 §3.3.5 [MQTT-3.3.5-2]: no way to tell the client; close the connection.
      return callback(new Error(admission.reason));
    }
    if (admission.dropRetain) {
      // Nothing a device sends is kept for later subscribers; the message itself is ingested.
      packet.retain = false;
      hooks.retainIgnored(client.id, packet.topic);
    }
    const payload = packet.payload as Buffer;
    if (packet.qos === 0) {
      if (!closing) hooks.devicePublished(client.id, admission.channel, payload, now());
      return callback(null);
    }
    // Not acknowledged: the device keeps the message and sends it again to whoever serves next.
    if (closing) return callback(new Error('the gateway is stopping'));
    const done = once(callback);
    if (packet.qos === 1) {
      hooks.devicePublished(client.id, admission.channel, payload, now(), (err) => done(err ?? null));
      return;
    }
    const receivedAtMs = now();
    const ingest = (): Promise<void> =>
      new Promise((resolve, reject) => hooks.devicePublished(client.id, admission.channel, payload, receivedAtMs, (err) => (err ? reject(err) : resolve())));
    exactlyOnce.receive(client, packet, ingest).then(
      () => done(null),
      (err: unknown) => done(err instanceof Error ? err : new Error(String(err))),
    );
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

  // A client's PUBLISH (or Last Will) that passed authorizePublish is a device message, which the
  // gateway has taken in there. No client may subscribe to device topics (acl.ts), so it skips
  // aedes's routing: the subscription match, the offline queues of QoS 1, and with Redis a trip
  // through it. The gateway's own publishes (commands, feeds, alerts) come without a client.
  // aedes.publish(packet, client, done) inside the broker; (packet, done) from the API.
  type Publish = (packet: PublishPacket, client?: Client | null | ((err?: Error) => void), done?: (err?: Error) => void) => void;
  const route = aedes.publish.bind(aedes) as unknown as Publish;
  (aedes as unknown as { publish: Publish }).publish = (packet, client, done) => {
    if (typeof client === 'object' && client !== null && !appClients.has(client)) return done?.();
    route(packet, client, done);
  };

  // Nothing a device publishes is forwarded to another device.
  aedes.authorizeForward = boundOutgoingBytes(
    (_client: Client, packet) => (packet.topic.startsWith('devices/') && !packet.topic.endsWith('/commands') ? null : packet),
    limits.maxQueuedBytesPerClient,
    (clientId, queuedBytes) => hooks.slowClientDropped?.(clientId, queuedBytes),
  );

  const countClients = (): void => hooks.clientCountChanged(aedes.connectedClients);
  const forgetCleanSession = (client: Client): void => {
    if (client.clean) exactlyOnce.forgetClient(client.id);
  };
  aedes.on('client', (client: Client) => {
    forgetCleanSession(client);
    countClients();
  });
  aedes.on('clientDisconnect', (client: Client) => {
    forgetCleanSession(client);
    countClients();
  });
  aedes.on('clientError', (client: Client, err: Error) => log.debug({ clientId: client.id, err: err.message }, 'client error'));
  aedes.on('connectionError', (client: Client, err: Error) => log.debug({ clientId: client.id, err: err.message }, 'connection error'));

  const guard = createConnectionGuard(limits, hooks.connectionGuarded);
  const tcp: TcpServer = createTcpServer((socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    addresses.set(socket, address);
    if (guard.admit(socket, address)) aedes.handle(socket);
  });
  const http: HttpServer = createHttpServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over WebSocket only\n');
  });
  // A WebSocket message is buffered whole before it is handed on: the same limit applies to it.
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false, maxPayload: limits.maxPacketBytes });
  wss.on('connection', (ws, req) => {
    const stream = createWebSocketStream(ws);
    stream.on('error', () => stream.destroy());
    const address = req.socket.remoteAddress ?? 'unknown';
    addresses.set(stream, address);
    if (guard.admit(stream, address)) aedes.handle(stream, req);
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
