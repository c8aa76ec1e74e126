import type { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { AlertService, AlertServiceEvents } from '../alerts/alert-service.js';
import type { AqhiServiceEvents } from '../aqhi/aqhi-service.js';
import type { GatewayConfig } from '../config/config.js';
import type { IngestEvents } from '../ingest/ingest-pipeline.js';
import type { GatewayMetrics } from '../metrics.js';
import type { Registry } from '../registry/registry.js';
import type { ChildMessage, GatewayMessage } from './bridge-channel.js';
import { FlowActionError, FlowBridge } from './flow-bridge.js';
import { FlowDispatcher, type FlowSource } from './flow-dispatcher.js';
import { FlowPauses } from './flow-pauses.js';
import { createFlowWatch } from './flow-watch.js';
import { sourceSelector } from './gateway-nodes.js';
import { ThrottledLog } from './throttled-log.js';
import { KeyedBudget } from './token-bucket.js';

/** Source nodes one Node-RED process may have listening at once. */
const MAX_SUBSCRIPTIONS = 2000;
const VM_TIMEOUT_CODE = 'ERR_SCRIPT_EXECUTION_TIMEOUT';

/** The child is not reading (a flow blocks it): the message is dropped, not queued without bound. */
class ChildBusy extends Error {}

export interface NodeRedBridgeDeps {
  config: GatewayConfig['nodeRed'];
  registry: Registry;
  alerts: AlertService;
  sources: { ingest: EventEmitter<IngestEvents>; alerts: EventEmitter<AlertServiceEvents>; aqhi: EventEmitter<AqhiServiceEvents> };
  metrics: GatewayMetrics;
  log: Logger;
  now(): number;
  send(message: GatewayMessage): boolean;
  /** The child broke the bridge's rules: it is killed and started again. */
  replaceChild(): void;
}

/**
 * The gateway's side of the bridge to Node-RED's process: feeds the source nodes the child
 * announced with what the gateway chose for them (readings, events, alert changes, index
 * updates), carries out the actions flows ask for after checking and budgeting them, and turns
 * the child's reports (errors, time-outs, loops) into metrics, log lines and paused flows.
 */
export function createNodeRedBridge(deps: NodeRedBridgeDeps) {
  const { config, metrics, log } = deps;
  const throttle = new ThrottledLog(10_000);
  const pauses = new FlowPauses(config.pauseAfterTimeoutS * 1000);
  const watch = createFlowWatch({ log, metrics, pauses, hopsPerSecondPerFlow: config.hopsPerSecondPerFlow });
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
        if (err instanceof ChildBusy) {
          metrics.nodeRedDropped.inc({ reason: 'node_red_busy' });
          throttle.maybe('drop:busy', (suppressed) => log.warn({ flowId: subscription.flowId, suppressed }, 'Node-RED is not reading (a flow blocks it); a gateway message was dropped'));
          return;
        }
        metrics.nodeRedFlowErrors.inc({ flow: subscription.flowId });
        throttle.maybe(`deliver:${subscription.flowId}`, (suppressed) => log.warn({ err, flowId: subscription.flowId, nodeId: subscription.nodeId, suppressed }, 'giving a message to a flow failed'));
      },
      queueLength: (length) => metrics.nodeRedQueued.set(length),
    },
  });
  const flows = new FlowBridge({
    dispatcher,
    registry: deps.registry,
    alerts: deps.alerts,
    actionBudget: new KeyedBudget(config.actionsPerMinutePerFlow, config.actionsPerMinutePerFlow / 60, () => performance.now()),
    metrics,
    log,
    now: deps.now,
  });
  const subscriptions = new Map<string, () => void>();
  let disconnectSources: (() => void) | undefined;

  function unsubscribeAll(): void {
    for (const unsubscribe of subscriptions.values()) unsubscribe();
    subscriptions.clear();
  }

  function call(message: Extract<ChildMessage, { t: 'call' }>): Promise<unknown> | unknown {
    const { request, flowId } = message;
    switch (message.action) {
      case 'raise':
        return flows.raiseAlert(flowId, { kind: request.kind, severity: request.severity, subject: request.subject, grid: request.grid, details: request.details });
      case 'page':
        return flows.sendPage(flowId, { alertId: request.alertId, recipients: request.recipients, role: typeof request.role === 'string' ? request.role.slice(0, 100) : 'flow' });
      case 'lookup':
        return flows.lookup(request.collection, request.id);
    }
  }

  return {
    connectSources(): void {
      disconnectSources ??= flows.connect(deps.sources);
    },

    onMessage(message: ChildMessage): void {
      switch (message.t) {
        case 'subscribe': {
          if (subscriptions.size >= MAX_SUBSCRIPTIONS && !subscriptions.has(message.nodeId)) {
            this.onRefused('too many source nodes');
            return;
          }
          subscriptions.get(message.nodeId)?.();
          const { source, select } = sourceSelector(message.nodeType, message.settings, flows);
          const nodeId = message.nodeId;
          const unsubscribe = flows.subscribe({
            flowId: message.flowId,
            nodeId,
            source,
            select,
            deliver: (msg) => {
              if (!deps.send({ t: 'deliver', nodeId, msg })) throw new ChildBusy();
            },
          });
          subscriptions.set(nodeId, unsubscribe);
          return;
        }
        case 'unsubscribe':
          subscriptions.get(message.nodeId)?.();
          subscriptions.delete(message.nodeId);
          return;
        case 'call': {
          // A raise or a page waits for the alert's commit; the reply goes when it is done.
          Promise.resolve()
            .then(() => call(message))
            .then(
              (value) => deps.send({ t: 'reply', id: message.id, ok: true, value: value ?? null }),
              (err: unknown) => {
                if (!(err instanceof FlowActionError)) log.error({ err, flowId: message.flowId, action: message.action }, 'a flow’s request failed in the gateway');
                deps.send({ t: 'reply', id: message.id, ok: false, error: err instanceof FlowActionError ? err.message : `the gateway could not ${message.action}; see its log` });
              },
            )
            .catch((err: unknown) => log.error({ err, flowId: message.flowId }, 'a reply to a flow could not be sent'));
          return;
        }
        case 'log':
          watch.onLog(message);
          return;
        case 'timeout':
          watch.onComplete({ msg: {}, error: { code: VM_TIMEOUT_CODE }, node: { id: message.nodeId, node: { z: message.flowId, type: message.nodeType } } });
          return;
        case 'runaway':
          watch.runaway(message.flowId, message.nodeId);
          return;
        case 'dropped':
          if (message.count > 0) metrics.nodeRedDropped.inc({ reason: message.reason }, message.count);
          return;
        case 'flowsStarted':
          pauses.clear();
          log.info({ listeners: dispatcher.listeners().length }, 'flows started');
          return;
        case 'beat':
        case 'ready':
        case 'failed':
          return;
      }
    },

    /** A message from the child that is not one of the bridge's: counted and logged; a flood replaces the child. */
    onRefused(reason: string): void {
      metrics.nodeRedBridgeRefused.inc({ reason });
      throttle.maybe(`refused:${reason}`, (suppressed) => log.warn({ code: 'GW_ERR_NODE_RED_BRIDGE', reason, suppressed }, 'Node-RED’s process sent what the bridge does not take'));
      if (reason === 'line too long') deps.replaceChild();
    },

    /** The child went away: its nodes no longer listen. */
    childGone(): void {
      unsubscribeAll();
    },

    close(): void {
      disconnectSources?.();
      disconnectSources = undefined;
      unsubscribeAll();
      dispatcher.close();
    },

    status(): { listeners: { flowId: string; nodeId: string; source: FlowSource }[]; pausedFlows: string[]; queueLength: number } {
      return { listeners: dispatcher.listeners(), pausedFlows: pauses.paused(), queueLength: dispatcher.length() };
    },
  };
}
