import { ALERT_CHANGES, toIdList, type AlertChange, type AlertItem, type AqhiItem, type DeviceContext, type EventItem, type FlowBridge, type ReadingItem } from './flow-bridge.js';
import type { FlowSource } from './flow-dispatcher.js';
import type { NodeApi, NodeDefinition, NodeInstance, NodeMessage } from './node-red-types.js';

/** The palette's node types; the editor side of each is in nodes/gateway-nodes.html. */
export const GATEWAY_NODE_TYPES = ['gateway readings', 'gateway events', 'gateway alerts', 'aqhi updates', 'raise alert', 'send page', 'registry lookup'] as const;

const text = (value: unknown): string => (typeof value === 'string' ? value.trim() : '');
const listOf = (value: unknown): Set<string> => new Set(toIdList(value));
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Device kind, device ids and grids, each empty for "any". */
function deviceFilter(config: NodeDefinition): (context: DeviceContext) => boolean {
  const kind = text(config.deviceKind);
  const devices = listOf(config.devices);
  const grids = listOf(config.grids);
  return (context) =>
    (kind === '' || context.device.kind === kind) &&
    (devices.size === 0 || devices.has(context.device.id)) &&
    (grids.size === 0 || (context.grid !== null && grids.has(context.grid)));
}

/**
 * Registers the gateway's node types on Node-RED. Node-RED loads nodes/gateway-nodes.cjs, which
 * hands its RED object here; every node talks to the gateway through the bridge.
 */
export function createGatewayNodeTypes(bridge: FlowBridge): (RED: NodeApi) => void {
  return (RED) => {
    /** A node fed by the dispatcher: subscribed while it runs, unsubscribed on redeploy or stop. */
    function listen(node: NodeInstance, source: FlowSource, select: (item: unknown) => NodeMessage | undefined): void {
      const unsubscribe = bridge.subscribe({ flowId: node.z, nodeId: node.id, source, select, deliver: (msg) => node.send(msg) });
      node.on('close', unsubscribe);
    }

    /** Runs a node's action; a refusal or failure goes to done(err), where catch nodes and the gateway's log see it. */
    function act(node: NodeInstance, action: (msg: NodeMessage) => string): void {
      node.on('input', (msg, send, done) => {
        try {
          const summary = action(msg);
          node.status({ fill: 'green', shape: 'dot', text: summary });
          send(msg);
          done();
        } catch (err) {
          node.status({ fill: 'red', shape: 'ring', text: errorText(err).slice(0, 60) });
          done(err instanceof Error ? err : new Error(String(err)));
        }
      });
    }

    RED.nodes.registerType('gateway readings', function (this: NodeInstance, config: NodeDefinition) {
      RED.nodes.createNode(this, config);
      const matches = deviceFilter(config);
      listen(this, 'readings', (item) => {
        const { reading, device } = item as ReadingItem;
        const context = bridge.deviceContext(device);
        if (!matches(context)) return undefined;
        return { topic: `readings/${device.kind}/${device.id}`, payload: structuredClone(reading), ...context };
      });
    });

    RED.nodes.registerType('gateway events', function (this: NodeInstance, config: NodeDefinition) {
      RED.nodes.createNode(this, config);
      const matches = deviceFilter(config);
      const types = new Set(text(config.eventTypes).split(',').map((t) => t.trim()).filter((t) => t !== ''));
      listen(this, 'events', (item) => {
        const { event, device } = item as EventItem;
        if (types.size > 0 && !types.has(event.event.type)) return undefined;
        const context = bridge.deviceContext(device);
        if (!matches(context)) return undefined;
        return { topic: `events/${device.kind}/${device.id}`, payload: structuredClone(event), ...context };
      });
    });

    RED.nodes.registerType('gateway alerts', function (this: NodeInstance, config: NodeDefinition) {
      RED.nodes.createNode(this, config);
      const wanted = text(config.changes) === '' ? new Set<string>(Object.values(ALERT_CHANGES)) : listOf(config.changes);
      const kinds = listOf(config.kinds);
      const grids = listOf(config.grids);
      listen(this, 'alerts', (item) => {
        const { alert, events } = item as AlertItem;
        if ((kinds.size > 0 && !kinds.has(alert.kind)) || (grids.size > 0 && !grids.has(alert.grid))) return undefined;
        const changes = events.flatMap((e) => (e in ALERT_CHANGES ? [ALERT_CHANGES[e as keyof typeof ALERT_CHANGES]] : [])).filter((c: AlertChange) => wanted.has(c));
        const change = changes.at(-1);
        if (change === undefined) return undefined;
        const view = bridge.alertView(alert);
        return { topic: `alerts/${change}/${alert.kind}`, change, changes, payload: view, alert: view, subject: alert.subject, grid: alert.grid };
      });
    });

    RED.nodes.registerType('aqhi updates', function (this: NodeInstance, config: NodeDefinition) {
      RED.nodes.createNode(this, config);
      const stations = listOf(config.stations);
      const finalOnly = config.finalOnly === true;
      listen(this, 'aqhi', (item) => {
        const { update } = item as AqhiItem;
        if ((stations.size > 0 && !stations.has(update.stationId)) || (finalOnly && update.provisional)) return undefined;
        return { topic: `aqhi/${update.stationId}`, payload: structuredClone(update), subject: update.stationId, grid: null, district: bridge.stationDistrict(update.stationId) };
      });
    });

    RED.nodes.registerType('raise alert', function (this: NodeInstance, config: NodeDefinition) {
      RED.nodes.createNode(this, config);
      act(this, (msg) => {
        const alert = bridge.raiseAlert(this.z, {
          kind: text(config.kind) || msg.kind,
          severity: text(config.severity) || msg.severity,
          subject: msg.subject,
          grid: msg.grid,
          details: isRecord(msg.details) ? msg.details : {},
        });
        msg.alert = alert;
        msg.payload = alert;
        return `${alert.kind} for ${alert.subject}`;
      });
    });

    RED.nodes.registerType('send page', function (this: NodeInstance, config: NodeDefinition) {
      RED.nodes.createNode(this, config);
      act(this, (msg) => {
        const alertId = isRecord(msg.alert) ? msg.alert.id : msg.alertId;
        const recipients = text(config.recipients) || msg.recipients;
        const role = text(config.role) || text(msg.role) || 'flow';
        msg.paged = bridge.sendPage(this.z, { alertId, recipients, role });
        return `paged ${String(msg.paged)}`;
      });
    });

    RED.nodes.registerType('registry lookup', function (this: NodeInstance, config: NodeDefinition) {
      RED.nodes.createNode(this, config);
      const collection = text(config.collection) || 'residents';
      const idProperty = text(config.idProperty) || 'subject';
      const property = text(config.property) || 'entity';
      act(this, (msg) => {
        const id = RED.util.getMessageProperty(msg, idProperty);
        const entry = bridge.lookup(collection, id);
        RED.util.setMessageProperty(msg, property, entry, true);
        return entry === null ? `no ${collection} ${String(id)}` : `${collection} ${String(id)}`;
      });
    });
  };
}
