import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The few shapes of Node-RED 4 the gateway's side handles (messages, log entries, hook events),
 * typed here because the package ships no types. Node-RED itself runs in its own process
 * (child/), which sends these over the bridge.
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
