import type { Logger } from 'pino';
import type { GatewayMetrics } from '../metrics.js';
import type { FlowPauses } from './flow-pauses.js';
import { NODE_RED_LEVELS, type CompleteEvent, type NodeRedLogEntry, type ReceiveEvent } from './node-red-types.js';
import { ThrottledLog } from './throttled-log.js';
import { KeyedBudget } from './token-bucket.js';

/** Node's vm error when a script runs past its timeout (node:vm `timeout`). */
const VM_TIMEOUT_CODE = 'ERR_SCRIPT_EXECUTION_TIMEOUT';

export interface FlowWatchDeps {
  log: Logger;
  metrics: GatewayMetrics;
  pauses: FlowPauses;
  /** Messages one flow may pass between its nodes per second; more is a runaway (a loop), and pauses it. */
  hopsPerSecondPerFlow: number;
  /** How often one flow may write the same kind of line to the gateway's log. */
  logIntervalMs?: number;
  clockMs?: () => number;
}

export interface FlowWatch {
  /** Node-RED's log handler: node errors are counted and logged (throttled per flow), the runtime's lines go to pino. */
  onLog(entry: NodeRedLogEntry): void;
  /** `onReceive` hook: a paused flow's nodes receive nothing (false halts the message); a runaway flow is paused. */
  onReceive(event: ReceiveEvent): boolean | undefined;
  /** `onComplete` hook: a function node that ran into its time limit pauses its flow, even when a catch node handles the error. */
  onComplete(event: CompleteEvent): undefined;
  /** Node-RED's process counted a flow's hops past its budget (and paused it there): pause it here too. */
  runaway(flowId: string, nodeId: string): void;
}

/** Node-RED's start-up notes that are warnings there but expected here (projects off, first start). */
const EXPECTED_RUNTIME_WARNINGS = [/^Projects disabled/, /^Encrypted credentials not found/];

function messageOf(value: unknown): string {
  if (typeof value === 'object' && value !== null && 'message' in value) return String((value as { message: unknown }).message);
  return typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
}

function isTimeout(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  return (error as { code?: unknown }).code === VM_TIMEOUT_CODE || /Script execution timed out/.test(messageOf(error));
}

/** Errors, time-outs and pauses of flows, seen through Node-RED's log and message hooks. */
export function createFlowWatch(deps: FlowWatchDeps): FlowWatch {
  const { log, metrics, pauses } = deps;
  const clockMs = deps.clockMs ?? (() => performance.now());
  const throttle = new ThrottledLog(deps.logIntervalMs ?? 10_000, clockMs);
  // Two seconds' worth at once: a burst of real work passes, a loop that never ends does not.
  const hops = new KeyedBudget(2 * deps.hopsPerSecondPerFlow, deps.hopsPerSecondPerFlow, clockMs);

  function pause(flowId: string, reason: 'timeout' | 'runaway', context: object): void {
    if (!pauses.pause(flowId)) return;
    metrics.nodeRedFlowPauses.inc({ flow: flowId, reason });
    if (reason === 'timeout') log.error({ flowId, ...context }, 'a function node ran into its time limit and blocked Node-RED meanwhile; its flow is paused');
    else log.error({ flowId, ...context, hopsPerSecond: deps.hopsPerSecondPerFlow }, 'a flow passed more messages between its nodes than its budget (a loop?); it is paused');
  }

  return {
    onLog(entry) {
      const text = messageOf(entry.msg);
      if (entry.type !== undefined && entry.id !== undefined) {
        const flowId = entry.z ?? '';
        const node = { flowId, nodeId: entry.id, nodeType: entry.type, ...(entry.name === undefined ? {} : { nodeName: entry.name }) };
        if (entry.level <= NODE_RED_LEVELS.error) {
          metrics.nodeRedFlowErrors.inc({ flow: flowId });
          throttle.maybe(`error:${flowId}`, (suppressed) => log.warn({ ...node, error: text, suppressed }, 'flow error'));
        } else if (entry.level === NODE_RED_LEVELS.warn) {
          throttle.maybe(`warn:${flowId}`, (suppressed) => log.warn({ ...node, warning: text, suppressed }, 'flow warning'));
        } else if (entry.level <= NODE_RED_LEVELS.info) {
          log.debug({ ...node, text }, 'flow log');
        }
        return;
      }
      if (entry.level <= NODE_RED_LEVELS.error) log.error({ text }, 'Node-RED');
      else if (entry.level === NODE_RED_LEVELS.warn && !EXPECTED_RUNTIME_WARNINGS.some((re) => re.test(text))) log.warn({ text }, 'Node-RED');
      else if (entry.level === NODE_RED_LEVELS.warn) log.debug({ text }, 'Node-RED');
      else if (entry.level <= NODE_RED_LEVELS.debug) log.debug({ text }, 'Node-RED');
      else if (entry.level === NODE_RED_LEVELS.trace) log.trace({ text }, 'Node-RED');
    },

    onReceive(event) {
      const flowId = event.destination.node?.z;
      if (flowId === undefined) return undefined;
      if (!pauses.isPaused(flowId)) {
        if (hops.take(flowId)) return undefined;
        pause(flowId, 'runaway', { nodeId: event.destination.id });
      }
      metrics.nodeRedDropped.inc({ reason: 'flow_paused' });
      return false;
    },

    onComplete(event) {
      const flowId = event.node.node?.z;
      if (event.error === undefined || flowId === undefined || !isTimeout(event.error)) return undefined;
      pause(flowId, 'timeout', { nodeId: event.node.id, nodeType: event.node.node?.type });
      return undefined;
    },

    runaway(flowId, nodeId) {
      pause(flowId, 'runaway', { nodeId });
    },
  };
}
