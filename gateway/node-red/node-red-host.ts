import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import path from 'node:path';
import fastifyExpress from '@fastify/express';
import type { Logger } from 'pino';
import type { AlertService, AlertServiceEvents } from '../alerts/alert-service.js';
import type { AqhiServiceEvents } from '../aqhi/aqhi-service.js';
import type { GatewayConfig } from '../config/config.js';
import type { GatewayHttp } from '../http/app.js';
import type { LoginBackoff } from '../auth/login-backoff.js';
import type { TokenStore } from '../auth/token-store.js';
import type { IngestEvents } from '../ingest/ingest-pipeline.js';
import type { GatewayMetrics } from '../metrics.js';
import type { Registry } from '../registry/registry.js';
import type { SqliteDatabase } from '../store/sqlite-database.js';
import { storedSecret } from '../store/stored-secret.js';
import { createDeployGuard } from './deploy-guard.js';
import { FlowBridge } from './flow-bridge.js';
import { FlowDispatcher, type FlowSource } from './flow-dispatcher.js';
import { capStoredFunctionTimeouts, installExampleFlows } from './flow-files.js';
import { FlowPauses } from './flow-pauses.js';
import { createFlowWatch } from './flow-watch.js';
import { createGatewayNodeTypes } from './gateway-nodes.js';
import type { ConnectHandler, NodeRedModule } from './node-red-types.js';
import { buildNodeRedSettings } from './node-red-settings.js';
import { excludedCoreNodes, scrubSecretEnvironment } from './host-guards.js';
import { NODE_ROOT, RedAccess, RED_ROOT, sendJson } from './red-access.js';
import { ThrottledLog } from './throttled-log.js';
import { KeyedBudget } from './token-bucket.js';

export type NodeRedConfig = GatewayConfig['nodeRed'];
export type NodeRedState = 'disabled' | 'stopped' | 'starting' | 'running' | 'failed' | 'stopping';

export interface NodeRedStatus {
  state: NodeRedState;
  /** Why it is not running, when it failed. */
  error: string | null;
  version: string | null;
  /** The gateway source nodes of the running flows. */
  listeners: { flowId: string; nodeId: string; source: FlowSource }[];
  pausedFlows: string[];
  queueLength: number;
}

export interface NodeRedHostDeps {
  config: NodeRedConfig;
  dataDir: string;
  db: SqliteDatabase;
  registry: Registry;
  tokens: TokenStore;
  /** Wrong admin tokens at /red count with the API's. */
  loginBackoff?: LoginBackoff;
  alerts: AlertService;
  sources: {
    ingest: EventEmitter<IngestEvents>;
    alerts: EventEmitter<AlertServiceEvents>;
    aqhi: EventEmitter<AqhiServiceEvents>;
  };
  metrics: GatewayMetrics;
  log: Logger;
  now(): number;
}

export interface NodeRedHost {
  /** Puts /red (the gate, then Node-RED's apps) and its WebSocket upgrades on the HTTP server; before it listens. */
  mount(app: GatewayHttp): Promise<void>;
  /** Starts Node-RED after the rest of the gateway; a failure is logged and reported, never thrown. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** For /readyz: present when enabled, and not part of the gateway's own readiness. */
  readinessChecks(): Record<string, boolean>;
  status(): NodeRedStatus;
}

const HOOK_LABEL = 'gatewayFlowWatch';
const STOP_TIMEOUT_MS = 10_000;

/** Node-RED keeps module-level state and changes process-wide settings: one running instance per process. */
let runningInProcess: object | undefined;


function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Resolves once Node-RED has loaded the flows and their credentials and started them, or has
 * said why it will not (missing node types, safe mode, unreadable flows): RED.start() resolves
 * before any of that happens.
 */
function flowsSettled(events: EventEmitter): Promise<void> {
  return new Promise((resolve) => {
    const onRuntimeEvent = (event: { id?: string; payload?: { state?: string; error?: string } }): void => {
      const payload = event.id === 'runtime-state' ? event.payload : undefined;
      if (payload === undefined || (payload.error === undefined && payload.state === undefined)) return;
      events.off('runtime-event', onRuntimeEvent);
      resolve();
    };
    events.on('runtime-event', onRuntimeEvent);
  });
}

function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, () => socket.destroy());
}

/**
 * Node-RED embedded in the gateway: its editor and admin API under /red and the flows' HTTP
 * endpoints under /red/api, all behind the admin login; flows and encrypted credentials in
 * DATA_DIR/node-red; the gateway's nodes fed through a bounded, budgeted dispatcher. Built-in
 * rules and paging never depend on it: it starts last, and when it fails the gateway runs on.
 */
export function createNodeRedHost(deps: NodeRedHostDeps): NodeRedHost {
  const { config, metrics } = deps;
  const log = deps.log;
  const userDir = path.join(deps.dataDir, 'node-red');
  const throttle = new ThrottledLog(10_000);
  const pauses = new FlowPauses(config.pauseAfterTimeoutS * 1000);
  const watch = createFlowWatch({ log, metrics, pauses, hopsPerSecondPerFlow: config.hopsPerSecondPerFlow });
  const access = new RedAccess({ tokens: deps.tokens, metrics, log, sessionTtlS: config.sessionTtlS, ...(deps.loginBackoff === undefined ? {} : { loginBackoff: deps.loginBackoff }) });
  const dispatcher = new FlowDispatcher({
    queueLimit: config.queueLimit,
    messagesPerSecondPerFlow: config.messagesPerSecondPerFlow,
    isPaused: (flowId) => pauses.isPaused(flowId),
    observer: {
      delivered: (source) => metrics.nodeRedDelivered.inc({ source }),
      dropped: (reason, flowId, source) => {
        metrics.nodeRedDropped.inc({ reason });
        throttle.maybe(`drop:${reason}:${flowId ?? ''}`, (suppressed) => log.warn({ reason, flowId, source, suppressed }, 'a gateway message was not given to a flow'));
      },
      deliveryFailed: (err, subscription) => {
        metrics.nodeRedFlowErrors.inc({ flow: subscription.flowId });
        throttle.maybe(`deliver:${subscription.flowId}`, (suppressed) => log.warn({ err, flowId: subscription.flowId, nodeId: subscription.nodeId, suppressed }, 'giving a message to a flow failed'));
      },
      queueLength: (length) => metrics.nodeRedQueued.set(length),
    },
  });
  const bridge = new FlowBridge({
    dispatcher,
    registry: deps.registry,
    alerts: deps.alerts,
    actionBudget: new KeyedBudget(config.actionsPerMinutePerFlow, config.actionsPerMinutePerFlow / 60, () => performance.now()),
    metrics,
    log,
    now: deps.now,
  });

  let state: NodeRedState = config.enabled ? 'stopped' : 'disabled';
  let failure: string | null = null;
  let red: NodeRedModule | undefined;
  let httpAdmin: ConnectHandler | null = null;
  let httpNode: ConnectHandler | null = null;
  /** Where Node-RED listens for WebSocket upgrades; only upgrades the gate admitted are emitted on it. */
  let upgrades: EventEmitter | undefined;
  const upgradedSockets = new Set<Duplex>();
  /** Requests Node-RED has not answered yet: a flow's `http in` without a response would otherwise hold the server open at stop. */
  const pendingResponses = new Set<ServerResponse>();
  let disconnectSources: (() => void) | undefined;
  let starting: Promise<void> | undefined;
  /**
   * Node-RED answers a deploy before it has restarted the flows; stopping it in between leaves the
   * restart running on after the stop. Set from a deploy's stop until its start.
   */
  let deployRestart: { done: Promise<void>; end: () => void } | undefined;
  const onFlowsStopping = (): void => {
    if (state !== 'running' || deployRestart !== undefined) return;
    let end = (): void => undefined;
    const done = new Promise<void>((resolve) => (end = resolve));
    deployRestart = { done, end };
  };
  const onFlowsStarted = (): void => {
    deployRestart?.end();
    deployRestart = undefined;
    pauses.clear();
    log.info({ listeners: dispatcher.listeners().length }, 'flows started');
  };

  /** Hands a request to one of Node-RED's apps while it runs, keeping track of it until answered. */
  const toNodeRed =
    (app: () => ConnectHandler | null): ConnectHandler =>
    (req, res, next) => {
      const handler = app();
      if (handler === null) {
        notRunning(req, res, next);
        return;
      }
      // @fastify/express runs express 5, whose `req.query` is a getter on its request prototype;
      // Node-RED's express 4 reads it as the request's own property after swapping prototypes.
      Object.defineProperty(req, 'query', { value: (req as { query?: unknown }).query, writable: true, configurable: true, enumerable: true });
      // It also routes `res.send` through fastify's reply, which drops the content type express
      // sets (the editor's page would go out as text/plain): Node-RED answers on its own.
      const patched = res as unknown as Record<string, unknown>;
      delete patched.send;
      delete patched.headersSent;
      // Node-RED's admin app answers every origin (`Access-Control-Allow-Origin: *`); /red is for
      // the gateway's own pages and the admin's scripts, so no cross-origin header goes out.
      const setHeader = res.setHeader.bind(res);
      res.setHeader = (name, value) => (/^access-control-/i.test(name) ? res : setHeader(name, value));
      pendingResponses.add(res);
      res.once('close', () => pendingResponses.delete(res));
      handler(req, res, next);
    };

  const notRunning: ConnectHandler = (_req, res) =>
    sendJson(res, 503, { error: 'GW_ERR_HTTP_NOT_READY', message: `Node-RED is not running (${state}${failure === null ? '' : `: ${failure}`}); the gateway's own rules and paging are unaffected` });

  function onUpgrade(server: { listenerCount(event: string): number }, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const pathname = (req.url ?? '/').split('?')[0]!;
    if (pathname !== RED_ROOT && !pathname.startsWith(`${RED_ROOT}/`)) {
      // Nothing else on this server takes upgrades unless it registered for them.
      if (server.listenerCount('upgrade') === 1) refuseUpgrade(socket, 404, 'Not Found');
      return;
    }
    const outcome = access.admitUpgrade(req);
    if (!outcome.ok) {
      refuseUpgrade(socket, outcome.code === 'GW_ERR_AUTH_FORBIDDEN' ? 403 : 401, outcome.code === 'GW_ERR_AUTH_FORBIDDEN' ? 'Forbidden' : 'Unauthorized');
      return;
    }
    if (upgrades === undefined) {
      refuseUpgrade(socket, 503, 'Service Unavailable');
      return;
    }
    upgradedSockets.add(socket);
    socket.once('close', () => upgradedSockets.delete(socket));
    upgrades.emit('upgrade', req, socket, head);
  }

  async function startNodeRed(): Promise<void> {
    if (runningInProcess !== undefined) throw new Error('another gateway in this process runs Node-RED, which allows one instance per process');
    runningInProcess = host;
    mkdirSync(userDir, { recursive: true });
    const examples = installExampleFlows(userDir);
    const capped = capStoredFunctionTimeouts(userDir, config.functionTimeoutS);
    if (capped > 0) log.warn({ functionNodes: capped, timeoutS: config.functionTimeoutS }, 'stored function nodes had longer time limits; capped');

    const scrubbed = scrubSecretEnvironment();
    if (scrubbed.length > 0) log.info({ names: scrubbed }, 'secrets removed from the environment before Node-RED starts');
    if (config.hostAccessNodes.length > 0) log.warn({ nodes: config.hostAccessNodes }, 'Node-RED core nodes that reach the host are enabled');
    red = createRequire(import.meta.url)('node-red') as NodeRedModule;
    upgrades = new EventEmitter();
    const settings = buildNodeRedSettings({
      userDir,
      credentialSecret: storedSecret(deps.db, 'node_red_credential_secret'),
      functionTimeoutS: config.functionTimeoutS,
      adminAuthTokens: access.adminAuthTokens,
      logLevel: log.isLevelEnabled('trace') ? 'trace' : log.isLevelEnabled('debug') ? 'debug' : 'warn',
      onLog: (entry) => watch.onLog(entry),
      gatewayNodeTypes: createGatewayNodeTypes(bridge),
      nodesExcludes: excludedCoreNodes(config.hostAccessNodes),
    });
    red.init(upgrades, settings);
    httpAdmin = red.httpAdmin;
    httpNode = red.httpNode;
    red.hooks.add(`onReceive.${HOOK_LABEL}`, (event) => watch.onReceive(event));
    red.hooks.add(`onComplete.${HOOK_LABEL}`, (event) => watch.onComplete(event));
    red.events.on('flows:stopping', onFlowsStopping);
    red.events.on('flows:started', onFlowsStarted);
    disconnectSources = bridge.connect(deps.sources);
    const settled = flowsSettled(red.events);
    await withTimeout(Promise.all([red.start(), settled]), config.startTimeoutMs, 'starting Node-RED');
    state = 'running';
    metrics.nodeRedUp.set(1);
    log.info({ version: red.version(), userDir, editor: `${RED_ROOT}/`, httpNodeRoot: NODE_ROOT, examples }, 'Node-RED started');
  }

  async function stopNodeRed(): Promise<void> {
    disconnectSources?.();
    disconnectSources = undefined;
    dispatcher.close();
    httpAdmin = null;
    httpNode = null;
    upgrades = undefined;
    for (const socket of upgradedSockets) socket.destroy();
    upgradedSockets.clear();
    for (const res of pendingResponses) {
      try {
        sendJson(res, 503, { error: 'GW_ERR_HTTP_NOT_READY', message: 'Node-RED stopped before answering' });
      } catch {
        // Part of an answer went out already.
        res.destroy();
      }
    }
    pendingResponses.clear();
    access.clear();
    if (red !== undefined) {
      try {
        if (deployRestart !== undefined) await withTimeout(deployRestart.done, STOP_TIMEOUT_MS, 'a deploy finishing');
        await withTimeout(red.stop(), STOP_TIMEOUT_MS, 'stopping Node-RED');
      } catch (err) {
        log.error({ err }, 'Node-RED did not stop cleanly');
      }
      red.hooks.remove(`*.${HOOK_LABEL}`);
      red.events.off('flows:stopping', onFlowsStopping);
      red.events.off('flows:started', onFlowsStarted);
    }
    if (runningInProcess === host) runningInProcess = undefined;
  }

  const host: NodeRedHost = {
    async mount(app) {
      if (!config.enabled) return;
      await app.register(async (scope) => {
        await scope.register(fastifyExpress);
        scope.use(RED_ROOT, access.middleware);
        scope.use(RED_ROOT, createDeployGuard({ maxFunctionTimeoutS: config.functionTimeoutS, nodeRoot: NODE_ROOT.slice(RED_ROOT.length), log }));
        scope.use(NODE_ROOT, toNodeRed(() => httpNode));
        scope.use(RED_ROOT, toNodeRed(() => httpAdmin));
        // Node-RED answers in the express layer above, behind the gate (bearer token or session
        // cookie), so these routes skip the API's bearer-only check; they answer only what
        // Node-RED does not.
        const routeOptions = { config: { public: true }, schema: { hide: true } };
        const unmatched = async (): Promise<never> => {
          throw Object.assign(new Error('no such Node-RED resource'), { statusCode: 404 });
        };
        scope.all(RED_ROOT, routeOptions, unmatched);
        scope.all(`${RED_ROOT}/*`, routeOptions, unmatched);
      });
      app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => onUpgrade(app.server, req, socket, head));
    },

    async start() {
      // One start per gateway: a stopped host does not come back (the gateway is rebuilt instead).
      if (state !== 'stopped' || starting !== undefined) return;
      state = 'starting';
      starting = startNodeRed().catch(async (err: unknown) => {
        state = 'failed';
        failure = err instanceof Error ? err.message : String(err);
        metrics.nodeRedUp.set(0);
        log.error({ err }, 'Node-RED failed to start; the gateway runs without flows');
        await stopNodeRed();
      });
      await starting;
    },

    async stop() {
      await starting;
      if (state !== 'running') return;
      state = 'stopping';
      await stopNodeRed();
      state = 'stopped';
      metrics.nodeRedUp.set(0);
      log.info('Node-RED stopped');
    },

    readinessChecks() {
      return config.enabled ? { nodeRed: state === 'running' } : {};
    },

    status() {
      return {
        state,
        error: failure,
        version: red?.version() ?? null,
        listeners: dispatcher.listeners(),
        pausedFlows: pauses.paused(),
        queueLength: dispatcher.length(),
      };
    },
  };
  return host;
}
