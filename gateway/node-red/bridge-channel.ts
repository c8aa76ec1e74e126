import type { Duplex } from 'node:stream';
import type { FlowSource } from './flow-dispatcher.js';

/**
 * The gateway's end of the bridge to Node-RED's process: one JSON message per line over a socket
 * pair only the two processes hold. Everything the child says is untrusted (a function node can
 * reach the child's `process` and write here): lines are bounded, messages per second are
 * bounded (reading pauses past it: the child waits, the gateway does not), and every message is
 * checked against the few shapes below before the gateway acts on it.
 */

/** Node-RED's node and flow ids (hex with a dot, or ids given in an imported flow). */
const NODE_ID = /^[A-Za-z0-9_.-]{1,64}$/;
const MAX_LINE_BYTES = 256 * 1024;
const MAX_TEXT = 2000;

export const SOURCE_NODE_TYPES = { 'gateway readings': 'readings', 'gateway events': 'events', 'gateway alerts': 'alerts', 'aqhi updates': 'aqhi' } as const satisfies Record<string, FlowSource>;
export type SourceNodeType = keyof typeof SOURCE_NODE_TYPES;
export const BRIDGE_ACTIONS = ['raise', 'page', 'lookup'] as const;
export type BridgeAction = (typeof BRIDGE_ACTIONS)[number];

export type ChildMessage =
  | { t: 'ready'; port: number; version: string }
  | { t: 'failed'; error: string }
  | { t: 'beat' }
  | { t: 'dropped'; reason: 'flow_paused'; count: number }
  | { t: 'log'; level: number; msg: string; id?: string; type?: string; z?: string; name?: string }
  | { t: 'runaway'; flowId: string; nodeId: string }
  | { t: 'timeout'; flowId: string; nodeId: string; nodeType: string }
  | { t: 'flowsStarted' }
  | { t: 'subscribe'; flowId: string; nodeId: string; nodeType: SourceNodeType; settings: Record<string, unknown> }
  | { t: 'unsubscribe'; nodeId: string }
  | { t: 'call'; id: number; action: BridgeAction; flowId: string; request: Record<string, unknown> };

export type GatewayMessage =
  | { t: 'init'; [key: string]: unknown }
  | { t: 'deliver'; nodeId: string; msg: object }
  | { t: 'reply'; id: number; ok: true; value: unknown }
  | { t: 'reply'; id: number; ok: false; error: string }
  | { t: 'stop' };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isId = (v: unknown): v is string => typeof v === 'string' && NODE_ID.test(v);
const shortText = (v: unknown): string => (typeof v === 'string' ? v.slice(0, MAX_TEXT) : '');
const count = (v: unknown): number => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : 0);

/** The message, checked and trimmed, or why it is refused. */
export function checkChildMessage(value: unknown): ChildMessage | string {
  if (!isRecord(value) || typeof value.t !== 'string') return 'not a message';
  const v = value;
  switch (v.t) {
    case 'ready':
      return typeof v.port === 'number' && Number.isInteger(v.port) && v.port > 0 && v.port < 65536 ? { t: 'ready', port: v.port, version: shortText(v.version).slice(0, 40) } : 'ready without a port';
    case 'failed':
      return { t: 'failed', error: shortText(v.error).slice(0, 500) };
    case 'beat':
      return { t: 'beat' };
    case 'dropped':
      return v.reason === 'flow_paused' ? { t: 'dropped', reason: 'flow_paused', count: Math.min(count(v.count), 1_000_000) } : 'dropped for an unknown reason';
    case 'flowsStarted':
      return { t: 'flowsStarted' };
    case 'log': {
      if (typeof v.level !== 'number') return 'log without a level';
      const entry: ChildMessage = { t: 'log', level: v.level, msg: shortText(v.msg) };
      if (isId(v.id)) Object.assign(entry, { id: v.id, type: shortText(v.type).slice(0, 64), z: isId(v.z) ? v.z : '', ...(typeof v.name === 'string' ? { name: v.name.slice(0, 100) } : {}) });
      return entry;
    }
    case 'runaway':
      return isId(v.flowId) && isId(v.nodeId) ? { t: 'runaway', flowId: v.flowId, nodeId: v.nodeId } : 'runaway without ids';
    case 'timeout':
      return isId(v.flowId) && isId(v.nodeId) ? { t: 'timeout', flowId: v.flowId, nodeId: v.nodeId, nodeType: shortText(v.nodeType).slice(0, 64) } : 'timeout without ids';
    case 'subscribe':
      if (!isId(v.flowId) || !isId(v.nodeId)) return 'subscribe without ids';
      if (typeof v.nodeType !== 'string' || !Object.hasOwn(SOURCE_NODE_TYPES, v.nodeType)) return 'subscribe to an unknown node type';
      return { t: 'subscribe', flowId: v.flowId, nodeId: v.nodeId, nodeType: v.nodeType as SourceNodeType, settings: isRecord(v.settings) ? v.settings : {} };
    case 'unsubscribe':
      return isId(v.nodeId) ? { t: 'unsubscribe', nodeId: v.nodeId } : 'unsubscribe without an id';
    case 'call':
      if (typeof v.id !== 'number' || !Number.isInteger(v.id)) return 'call without an id';
      if (typeof v.action !== 'string' || !(BRIDGE_ACTIONS as readonly string[]).includes(v.action)) return 'call of an unknown action';
      if (!isId(v.flowId) || !isRecord(v.request)) return 'call without a flow or a request';
      return { t: 'call', id: v.id, action: v.action as BridgeAction, flowId: v.flowId, request: v.request };
    default:
      return 'unknown message type';
  }
}

export interface BridgeChannelOptions {
  onMessage(message: ChildMessage): void;
  /** A line that is too long, not JSON or not a known message: counted and logged by the caller. */
  onRefused(reason: string): void;
  messagesPerSecond: number;
}

/** Line framing and pacing over the socket pair; `send` returns false when the child is not reading. */
export class BridgeChannel {
  private buffered = '';
  // Minus infinity: performance.now() starts near 0 in a new process, and the first window must begin
  // with the first message, not at the process start.
  private windowStartMs = Number.NEGATIVE_INFINITY;
  private inWindow = 0;
  private resumeTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly socket: Duplex,
    private readonly options: BridgeChannelOptions,
    /** Bytes waiting for the child beyond which deliveries are dropped. */
    private readonly maxBacklogBytes = 1024 * 1024,
  ) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', () => socket.destroy());
  }

  send(message: GatewayMessage): boolean {
    if (this.socket.destroyed || this.socket.writableLength > this.maxBacklogBytes) return false;
    this.socket.write(`${JSON.stringify(message)}\n`);
    return true;
  }

  close(): void {
    clearTimeout(this.resumeTimer);
    this.socket.destroy();
  }

  private onData(chunk: string): void {
    this.buffered += chunk;
    let newline: number;
    while ((newline = this.buffered.indexOf('\n')) >= 0) {
      const line = this.buffered.slice(0, newline);
      this.buffered = this.buffered.slice(newline + 1);
      this.onLine(line);
    }
    if (this.buffered.length > MAX_LINE_BYTES) {
      this.buffered = '';
      this.options.onRefused('line too long');
      this.socket.destroy();
    }
  }

  private onLine(line: string): void {
    if (line.length > MAX_LINE_BYTES) {
      this.options.onRefused('line too long');
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      this.options.onRefused('not JSON');
      return;
    }
    const message = checkChildMessage(parsed);
    if (typeof message === 'string') this.options.onRefused(message);
    else this.options.onMessage(message);
    this.pace();
  }

  /** Past the budget for this second, stop reading until the second is over. */
  private pace(): void {
    const nowMs = performance.now();
    if (nowMs - this.windowStartMs >= 1000) {
      this.windowStartMs = nowMs;
      this.inWindow = 0;
    }
    this.inWindow += 1;
    if (this.inWindow < this.options.messagesPerSecond || this.resumeTimer !== undefined) return;
    this.socket.pause();
    this.resumeTimer = setTimeout(() => {
      this.resumeTimer = undefined;
      this.socket.resume();
    }, 1000 - (nowMs - this.windowStartMs));
  }
}
