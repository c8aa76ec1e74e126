import { randomBytes } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { chmodSync, mkdirSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
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
import type { SecretStore } from '../store/secret-store.js';
import { chownTree, resolveChildUser } from './child-user.js';
import { createDeployGuard } from './deploy-guard.js';
import { capStoredFunctionTimeouts, installExampleFlows, moveFlowsOutOfDataDir, nodeRedUserDir } from './flow-files.js';
import { createNodeRedBridge } from './node-red-bridge.js';
import type { FlowSource } from './flow-dispatcher.js';
import { excludedCoreNodes, scrubSecretEnvironment } from './host-guards.js';
import { buildNodeRedSettings } from './node-red-settings.js';
import { NodeRedProcess } from './node-red-process.js';
import { NODE_ROOT, PROOF_HEADER, RedAccess, RED_ROOT, sendJson } from './red-access.js';
import { SharedFlows, type SharedFlowStore } from './shared-flows.js';
import { HOP_HEADER, proxyRequest, proxyUpgrade, type RedTarget } from './red-proxy.js';
import type { ConnectHandler } from './node-red-types.js';

export type NodeRedConfig = GatewayConfig['nodeRed'];
export type NodeRedState = 'disabled' | 'stopped' | 'starting' | 'running' | 'restarting' | 'failed' | 'stopping';

export interface NodeRedStatus {
  state: NodeRedState;
  /** Why it is not running, when it failed. */
  error: string | null;
  version: string | null;
  /** Node-RED's process, while one runs. */
  pid: number | null;
  /** The gateway source nodes of the running flows. */
  listeners: { flowId: string; nodeId: string; source: FlowSource }[];
  pausedFlows: string[];
  queueLength: number;
  restarts: number;
}

export interface NodeRedHostDeps {
  config: NodeRedConfig;
  dataDir: string;
  /** Node-RED's credential key is kept here, the same for every instance. */
  secrets: SecretStore;
  /** Several gateways: the flows every one of them runs, and this one's name when it stores them. */
  sharedFlows?: { store: SharedFlowStore; instance: string };
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
  /** Puts /red (the gate, then the proxy to Node-RED's process) and its WebSocket upgrades on the HTTP server; before it listens. */
  mount(app: GatewayHttp): Promise<void>;
  /** Starts Node-RED after the rest of the gateway; a failure is logged and reported, never thrown. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** For /readyz: present when enabled, and not part of the gateway's own readiness. */
  readinessChecks(): Record<string, boolean>;
  status(): NodeRedStatus;
}

function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, () => socket.destroy());
}

/**
 * Node-RED in a process of its own, run by the gateway: its editor and admin API under /red and
 * the flows' HTTP endpoints under /red/api, all behind the admin login and proxied to the child
 * on 127.0.0.1; flows and encrypted credentials in Node-RED's own directory next to DATA_DIR; the
 * gateway's nodes fed over a narrow bridge through a bounded, budgeted dispatcher. Built-in rules
 * and paging never depend on it: it starts last, a flow that blocks it blocks only it, and the
 * gateway restarts it.
 */
export function createNodeRedHost(deps: NodeRedHostDeps): NodeRedHost {
  const { config, metrics, log } = deps;
  const userDir = nodeRedUserDir(deps.dataDir);
  const access = new RedAccess({ tokens: deps.tokens, metrics, log, sessionTtlS: config.sessionTtlS, ...(deps.loginBackoff === undefined ? {} : { loginBackoff: deps.loginBackoff }) });
  const bridge = createNodeRedBridge({ ...deps, send: (message) => child?.send(message) ?? false, replaceChild: () => child?.replace() });

  let state: NodeRedState = config.enabled ? 'stopped' : 'disabled';
  let failure: string | null = null;
  let version: string | null = null;
  let restarts = 0;
  let target: RedTarget | undefined;
  let child: NodeRedProcess | undefined;
  let starting: Promise<void> | undefined;
  const shared = deps.sharedFlows === undefined ? undefined : new SharedFlows(deps.sharedFlows.store, userDir, deps.sharedFlows.instance, log);
  let following: { close(): Promise<void> } | undefined;
  let childUser: ReturnType<typeof resolveChildUser> | undefined;
  const upgradedSockets = new Set<Duplex>();
  /** Requests Node-RED has not answered yet: a flow's `http in` without a response would otherwise hold the server open at stop. */
  const pendingResponses = new Set<ServerResponse>();

  const notRunning: ConnectHandler = (_req, res) =>
    sendJson(res, 503, { error: 'GW_ERR_HTTP_NOT_READY', message: `Node-RED is not running (${state}${failure === null ? '' : `: ${failure}`}); the gateway's own rules and paging are unaffected` });

  const toNodeRed: ConnectHandler = (req, res, next) => {
    if (target === undefined) {
      notRunning(req, res, next);
      return;
    }
    pendingResponses.add(res);
    res.once('close', () => pendingResponses.delete(res));
    if (shared !== undefined && changesFlows(req)) {
      res.once('finish', () => {
        if (res.statusCode < 300) shared.deployed().catch((err: unknown) => log.error({ err }, 'flows deployed here could not be stored for the other gateways; deploy again'));
      });
    }
    proxyRequest(target, req, res);
  };

  /** Another gateway deployed: its flows written here and reloaded by Node-RED when it runs (else read at its start). */
  async function takeDeployedElsewhere(): Promise<void> {
    if (shared === undefined || !(await shared.pull())) return;
    if (childUser !== undefined) chownTree(userDir, childUser);
    if (target !== undefined) await reloadFlows(target);
  }

  function reloadFlows(on: RedTarget): Promise<void> {
    return new Promise((resolve, reject) => {
      const request = http.request(
        { host: '127.0.0.1', port: on.port, method: 'POST', path: `${RED_ROOT}/flows`, headers: { [HOP_HEADER]: on.hopKey, [PROOF_HEADER]: access.proof, 'node-red-deployment-type': 'reload', 'content-type': 'application/json' } },
        (answer) => {
          answer.resume();
          if ((answer.statusCode ?? 500) < 300) resolve();
          else reject(new Error(`Node-RED answered ${answer.statusCode} to the reload`));
        },
      );
      request.on('error', reject);
      request.end('[]');
    });
  }

  function onUpgrade(server: { listenerCount(event: string): number }, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const pathname = (req.url ?? '/').split('?')[0]!;
    if (pathname !== RED_ROOT && !pathname.startsWith(`${RED_ROOT}/`)) {
      // Nothing else on this server takes upgrades unless it registered for them.
      if (server.listenerCount('upgrade') === 1) refuseUpgrade(socket, 404, 'Not Found');
      return;
    }
    access.admitUpgrade(req).then(
      (outcome) => {
        if (!outcome.ok) {
          refuseUpgrade(socket, outcome.code === 'GW_ERR_AUTH_FORBIDDEN' ? 403 : 401, outcome.code === 'GW_ERR_AUTH_FORBIDDEN' ? 'Forbidden' : 'Unauthorized');
          return;
        }
        if (target === undefined) {
          refuseUpgrade(socket, 503, 'Service Unavailable');
          return;
        }
        upgradedSockets.add(socket);
        socket.once('close', () => upgradedSockets.delete(socket));
        proxyUpgrade(target, req, socket, head);
      },
      (err: unknown) => {
        log.error({ err }, 'checking a Node-RED upgrade failed');
        refuseUpgrade(socket, 500, 'Internal Server Error');
      },
    );
  }

  /** Node-RED's directory, owned by the user its process runs as; stored flows capped. */
  function prepareUserDir(user: ReturnType<typeof resolveChildUser>): string[] {
    if (moveFlowsOutOfDataDir(deps.dataDir, userDir)) log.info({ userDir }, 'flows moved out of DATA_DIR into Node-RED’s own directory');
    mkdirSync(userDir, { recursive: true, mode: 0o700 });
    chmodSync(userDir, 0o700);
    const examples = installExampleFlows(userDir);
    const capped = capStoredFunctionTimeouts(userDir, config.functionTimeoutS);
    if (capped > 0) log.warn({ functionNodes: capped, timeoutS: config.functionTimeoutS }, 'stored function nodes had longer time limits; capped');
    chownTree(userDir, user);
    return examples;
  }

  function onDown(reason: string, restartInMs: number | null): void {
    target = undefined;
    for (const socket of upgradedSockets) socket.destroy();
    upgradedSockets.clear();
    bridge.childGone();
    metrics.nodeRedUp.set(0);
    if (restartInMs !== null) {
      state = 'restarting';
      restarts += 1;
      metrics.nodeRedRestarts.inc({ reason });
    }
  }

  async function startNodeRed(): Promise<void> {
    const scrubbed = scrubSecretEnvironment();
    if (scrubbed.length > 0) log.info({ names: scrubbed }, 'secrets removed from the gateway’s environment once read');
    if (config.hostAccessNodes.length > 0) log.warn({ nodes: config.hostAccessNodes }, 'Node-RED core nodes that reach the host are enabled');
    const user = resolveChildUser(config.user);
    let examples: string[];
    try {
      examples = prepareUserDir(user);
    } catch (err) {
      throw new Error(`Node-RED’s directory ${userDir} could not be prepared: ${err instanceof Error ? err.message : String(err)}`);
    }
    childUser = user;
    if (shared !== undefined && (await shared.restore()) === 'restored') {
      capStoredFunctionTimeouts(userDir, config.functionTimeoutS);
      chownTree(userDir, user);
    }
    following ??= deps.sharedFlows?.store.follow((_revision, by) => {
      if (by !== deps.sharedFlows!.instance) takeDeployedElsewhere().catch((err: unknown) => log.error({ err }, 'flows deployed on another gateway could not be taken; they are taken at the next start'));
    }, log);
    const credentialSecret = await deps.secrets.secret('node_red_credential_secret');
    const hopKey = randomBytes(32).toString('base64url');
    child = new NodeRedProcess({
      userDir,
      user,
      hostAccessNodes: config.hostAccessNodes,
      startTimeoutMs: config.startTimeoutMs,
      // A function node may hold its process for its whole time limit without being hung.
      heartbeatTimeoutMs: Math.max(config.heartbeatTimeoutMs, config.functionTimeoutS * 1000 + 5000),
      restartBackoffMaxMs: config.restartBackoffMaxMs,
      log,
      init: () => ({
        settings: buildNodeRedSettings({ userDir, credentialSecret, functionTimeoutS: config.functionTimeoutS, nodesExcludes: excludedCoreNodes(config.hostAccessNodes) }),
        proof: access.proof,
        proofHeader: PROOF_HEADER,
        hopKey,
        hopHeader: HOP_HEADER,
        adminRoot: RED_ROOT,
        nodeRoot: NODE_ROOT,
        hopsPerSecondPerFlow: config.hopsPerSecondPerFlow,
        pauseMs: config.pauseAfterTimeoutS * 1000,
        logLevel: log.isLevelEnabled('trace') ? 'trace' : log.isLevelEnabled('debug') ? 'debug' : 'warn',
      }),
      onMessage: (message) => bridge.onMessage(message),
      onRefused: (reason) => bridge.onRefused(reason),
      onUp: (port, childVersion) => {
        target = { port, hopKey };
        version = childVersion;
        state = 'running';
        metrics.nodeRedUp.set(1);
        log.info({ version, pid: child?.pid(), user: user.name, userDir, editor: `${RED_ROOT}/`, httpNodeRoot: NODE_ROOT, examples }, 'Node-RED started in its own process');
      },
      onDown,
    });
    bridge.connectSources();
    await child.start();
  }

  async function stopNodeRed(): Promise<void> {
    target = undefined;
    await following?.close();
    following = undefined;
    await child?.stop();
    bridge.close();
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
  }

  return {
    async mount(app) {
      if (!config.enabled) return;
      await app.register(async (scope) => {
        await scope.register(fastifyExpress);
        scope.use(RED_ROOT, access.middleware);
        scope.use(RED_ROOT, createDeployGuard({ maxFunctionTimeoutS: config.functionTimeoutS, nodeRoot: NODE_ROOT.slice(RED_ROOT.length), log }));
        scope.use(RED_ROOT, toNodeRed);
        // Node-RED answers in the express layer above, behind the gate (bearer token or session
        // cookie), so these routes skip the API's bearer-only check; they answer only what
        // the layer above does not.
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
      if (state !== 'running' && state !== 'restarting') return;
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
      return { state, error: failure, version, pid: target === undefined ? null : (child?.pid() ?? null), restarts, ...bridge.status() };
    },
  };
}

/** The admin API's requests that change the flows (a deploy, or one flow added, changed or removed). */
function changesFlows(req: IncomingMessage): boolean {
  if (req.method !== 'POST' && req.method !== 'PUT' && req.method !== 'DELETE') return false;
  const pathname = ((req as { originalUrl?: string }).originalUrl ?? req.url ?? '').split('?')[0]!;
  return pathname === `${RED_ROOT}/flows` || pathname.startsWith(`${RED_ROOT}/flow/`) || pathname === `${RED_ROOT}/flow`;
}
