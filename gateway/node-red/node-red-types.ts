import type { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The few parts of Node-RED 4's embedding and node APIs the gateway uses, typed here because the
 * package ships no types. See node-red/lib/red.js and @node-red/registry/lib/util.js.
 */

export type ConnectHandler = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/** A message in a flow. */
export interface NodeMessage {
  _msgid?: string;
  topic?: string;
  payload?: unknown;
  [key: string]: unknown;
}

/** One entry of a Node-RED log call (@node-red/util/lib/log.js). */
export interface NodeRedLogEntry {
  level: number;
  msg: unknown;
  type?: string;
  id?: string;
  z?: string;
  name?: string;
}

export const NODE_RED_LEVELS = { fatal: 10, error: 20, warn: 30, info: 40, debug: 50, trace: 60, audit: 98, metric: 99 } as const;

/** A node as the message hooks show it. */
export interface HookedNode {
  z?: string;
  type?: string;
}

/** The `onReceive` hook's event: a message about to reach a node (@node-red/runtime/lib/nodes/Node.js). */
export interface ReceiveEvent {
  msg: NodeMessage;
  destination: { id: string; node?: HookedNode };
}

/** The `onComplete` hook's event: a node called done(), with the error it gave, if any. */
export interface CompleteEvent {
  msg: NodeMessage;
  error?: unknown;
  node: { id: string; node?: HookedNode };
}

export interface NodeRedModule {
  init(server: EventEmitter, settings: object): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly httpAdmin: ConnectHandler | null;
  readonly httpNode: ConnectHandler | null;
  readonly events: EventEmitter;
  readonly hooks: {
    add(id: `onReceive.${string}`, hook: (event: ReceiveEvent) => boolean | undefined): void;
    add(id: `onComplete.${string}`, hook: (event: CompleteEvent) => undefined): void;
    remove(id: string): void;
  };
  /** The runtime's version (a function on the embedding API). */
  version(): string;
}

/** A node's configuration as deployed: the editor's `defaults` plus id, type and tab. */
export interface NodeDefinition {
  id: string;
  type: string;
  z?: string;
  name?: string;
  [key: string]: unknown;
}

export interface NodeStatus {
  fill?: 'red' | 'green' | 'yellow' | 'blue' | 'grey';
  shape?: 'ring' | 'dot';
  text?: string;
}

/** A running node, as `RED.nodes.createNode(this, config)` makes it. */
export interface NodeInstance {
  readonly id: string;
  readonly type: string;
  readonly z: string;
  name?: string;
  on(event: 'input', listener: (msg: NodeMessage, send: (msg: NodeMessage | null) => void, done: (err?: Error) => void) => void): void;
  on(event: 'close', listener: () => void): void;
  send(msg: NodeMessage): void;
  status(status: NodeStatus | Record<string, never>): void;
  error(err: unknown, msg?: NodeMessage): void;
  warn(text: string): void;
}

/** What a node module is given (`module.exports = function (RED) {...}`). */
export interface NodeApi {
  nodes: {
    createNode(node: NodeInstance, config: NodeDefinition): void;
    registerType(type: string, constructor: (this: NodeInstance, config: NodeDefinition) => void): void;
  };
  util: {
    getMessageProperty(msg: NodeMessage, path: string): unknown;
    setMessageProperty(msg: NodeMessage, path: string, value: unknown, createMissing?: boolean): boolean;
  };
}
