/* global process, Buffer, setInterval, setTimeout, setImmediate, performance */
// Node-RED's own process. The gateway starts it with plain `node` under Node's permission model
// (no child processes, file access only to Node-RED's code and its own directory), as an
// unprivileged user, with an environment built from nothing. It holds no gateway secret: what it
// needs (its credential key, the proofs the gateway's proxy adds) comes over the bridge on fd 3.
// Plain JavaScript: the TypeScript loader compiles through an esbuild process, which the model forbids.
import { createRequire } from 'node:module';
import { EventEmitter } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { createChildBridge } from './child-bridge.mjs';
import { registerGatewayNodes } from './child-nodes.mjs';

const require = createRequire(import.meta.url);
const HEARTBEAT_MS = 1000;
const VM_TIMEOUT_CODE = 'ERR_SCRIPT_EXECUTION_TIMEOUT';

const bridge = createChildBridge(new net.Socket({ fd: 3, readable: true, writable: true }));
// The gateway is gone (stopped or killed): nothing may run on without it.
bridge.onClose(() => process.exit(0));

function sameSecret(given, expected) {
  const a = Buffer.from(String(given ?? ''));
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Flows paused by the gateway or here, with when each pause ends. */
function pauseBook() {
  const until = new Map();
  return {
    pause(flowId, ms) {
      if (ms > 0) until.set(flowId, performance.now() + ms);
    },
    isPaused(flowId) {
      const end = until.get(flowId);
      if (end === undefined) return false;
      if (performance.now() < end) return true;
      until.delete(flowId);
      return false;
    },
    clear: () => until.clear(),
  };
}

/** Messages between one flow's nodes: two seconds' worth at once, then the rate. */
function hopBudget(perSecond) {
  const buckets = new Map();
  return (flowId) => {
    const nowMs = performance.now();
    const b = buckets.get(flowId) ?? { tokens: 2 * perSecond, atMs: nowMs };
    b.tokens = Math.min(2 * perSecond, b.tokens + ((nowMs - b.atMs) / 1000) * perSecond);
    b.atMs = nowMs;
    buckets.set(flowId, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  };
}

function text(value, max = 2000) {
  if (value instanceof Error) return value.message.slice(0, max);
  if (typeof value === 'object' && value !== null && 'message' in value) return String(value.message).slice(0, max);
  if (typeof value === 'string') return value.slice(0, max);
  try {
    return String(JSON.stringify(value)).slice(0, max);
  } catch {
    return String(value).slice(0, max);
  }
}

async function start(init) {
  const RED = require('node-red');
  const pauses = pauseBook();
  const takeHop = hopBudget(init.hopsPerSecondPerFlow);
  let pausedDrops = 0;
  const reportDrops = () => {
    if (pausedDrops > 0) bridge.send({ t: 'dropped', reason: 'flow_paused', count: pausedDrops });
    pausedDrops = 0;
  };
  const upgrades = new EventEmitter();
  const settings = {
    ...init.settings,
    adminAuth: { tokens: (token) => Promise.resolve(sameSecret(token, init.proof) ? { username: 'gateway-admin', permissions: '*' } : null), tokenHeader: init.proofHeader },
    logging: {
      gateway: {
        level: init.logLevel,
        metrics: false,
        audit: false,
        handler: () => (entry) => bridge.send({ t: 'log', level: entry.level, msg: text(entry.msg), ...(entry.id === undefined ? {} : { id: String(entry.id), type: String(entry.type), z: String(entry.z ?? ''), ...(entry.name ? { name: String(entry.name) } : {}) }) }),
      },
    },
    gatewayNodeTypes: (api) => registerGatewayNodes(api, bridge),
  };
  RED.init(upgrades, settings);

  const express = createRequire(require.resolve('node-red'))('express');
  const app = express();
  app.disable('x-powered-by');
  app.use(init.nodeRoot, RED.httpNode);
  app.use(init.adminRoot, RED.httpAdmin);
  const server = http.createServer((req, res) => {
    // Only the gateway's proxy, which checked the admin login, may talk to this port.
    if (!sameSecret(req.headers[init.hopHeader], init.hopKey)) {
      res.writeHead(403).end();
      return;
    }
    delete req.headers[init.hopHeader];
    app(req, res);
  });
  server.on('upgrade', (req, socket, head) => {
    if (!sameSecret(req.headers[init.hopHeader], init.hopKey)) {
      socket.destroy();
      return;
    }
    delete req.headers[init.hopHeader];
    upgrades.emit('upgrade', req, socket, head);
  });

  RED.hooks.add('onReceive.gatewayWatch', (event) => {
    const flowId = event.destination.node?.z;
    if (flowId === undefined) return undefined;
    if (!pauses.isPaused(flowId)) {
      if (takeHop(flowId)) return undefined;
      pauses.pause(flowId, init.pauseMs);
      bridge.send({ t: 'runaway', flowId, nodeId: String(event.destination.id) });
    }
    pausedDrops += 1;
    if (pausedDrops === 1) setImmediate(reportDrops);
    return false;
  });
  RED.hooks.add('onComplete.gatewayWatch', (event) => {
    const flowId = event.node.node?.z;
    const error = event.error;
    if (error === undefined || flowId === undefined) return undefined;
    if (error?.code !== VM_TIMEOUT_CODE && !/Script execution timed out/.test(text(error))) return undefined;
    pauses.pause(flowId, init.pauseMs);
    bridge.send({ t: 'timeout', flowId, nodeId: String(event.node.id), nodeType: String(event.node.node?.type ?? '') });
    return undefined;
  });
  RED.events.on('flows:started', () => {
    pauses.clear();
    bridge.send({ t: 'flowsStarted' });
  });

  setInterval(() => bridge.send({ t: 'beat' }), HEARTBEAT_MS);

  const settled = new Promise((resolve) => {
    const onRuntimeEvent = (event) => {
      const payload = event.id === 'runtime-state' ? event.payload : undefined;
      if (payload === undefined || (payload.error === undefined && payload.state === undefined)) return;
      RED.events.off('runtime-event', onRuntimeEvent);
      resolve();
    };
    RED.events.on('runtime-event', onRuntimeEvent);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  await Promise.all([RED.start(), settled]);
  bridge.send({ t: 'ready', port: server.address().port, version: RED.version() });

  bridge.on('stop', () => {
    const done = () => process.exit(0);
    setTimeout(done, 8000).unref();
    RED.stop().then(done, done);
  });
}

bridge.once('init', (init) => {
  start(init).catch((err) => {
    bridge.send({ t: 'failed', error: text(err, 500) });
    setTimeout(() => process.exit(1), 100);
  });
});
