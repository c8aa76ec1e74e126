import { SOURCE_NODE_TYPES, type SourceNodeType } from './bridge-channel.js';
import { ALERT_CHANGES, toIdList, type AlertChange, type AlertItem, type AqhiItem, type DeviceContext, type EventItem, type FlowBridge, type ReadingItem } from './flow-bridge.js';
import type { FlowSource } from './flow-dispatcher.js';
import type { NodeMessage } from './node-red-types.js';

/** The palette's node types; the editor side of each is in nodes/gateway-nodes.html, the runtime side in child/child-nodes.mjs. */
export const GATEWAY_NODE_TYPES = ['gateway readings', 'gateway events', 'gateway alerts', 'aqhi updates', 'raise alert', 'send page', 'registry lookup'] as const;

/** A source node's settings as deployed (the editor's fields); anything else in them is ignored. */
export type SourceSettings = Record<string, unknown>;

const text = (value: unknown): string => (typeof value === 'string' ? value.trim() : '');
const listOf = (value: unknown): Set<string> => new Set(toIdList(value));

/** Device kind, device ids and grids, each empty for "any". */
function deviceFilter(settings: SourceSettings): (context: DeviceContext) => boolean {
  const kind = text(settings.deviceKind);
  const devices = listOf(settings.devices);
  const grids = listOf(settings.grids);
  return (context) =>
    (kind === '' || context.device.kind === kind) &&
    (devices.size === 0 || devices.has(context.device.id)) &&
    (grids.size === 0 || (context.grid !== null && grids.has(context.grid)));
}

/**
 * What one source node in Node-RED's process gets: the gateway chooses, from the node's settings,
 * which of its items leave for the flow and what of them (the message), so the child is sent
 * only what its nodes asked for.
 */
export function sourceSelector(nodeType: SourceNodeType, settings: SourceSettings, bridge: FlowBridge): { source: FlowSource; select: (item: unknown) => NodeMessage | undefined } {
  const source = SOURCE_NODE_TYPES[nodeType];
  switch (nodeType) {
    case 'gateway readings': {
      const matches = deviceFilter(settings);
      return {
        source,
        select: (item) => {
          const { reading, device } = item as ReadingItem;
          const context = bridge.deviceContext(device);
          if (!matches(context)) return undefined;
          const shared = bridge.readingForFlows(reading, device);
          if (shared === undefined) return undefined;
          return { topic: `readings/${device.kind}/${device.id}`, payload: shared, ...context };
        },
      };
    }
    case 'gateway events': {
      const matches = deviceFilter(settings);
      const types = new Set(text(settings.eventTypes).split(',').map((t) => t.trim()).filter((t) => t !== ''));
      return {
        source,
        select: (item) => {
          const { event, device } = item as EventItem;
          if (types.size > 0 && !types.has(event.event.type)) return undefined;
          const context = bridge.deviceContext(device);
          if (!matches(context)) return undefined;
          return { topic: `events/${device.kind}/${device.id}`, payload: event, ...context };
        },
      };
    }
    case 'gateway alerts': {
      const wanted = text(settings.changes) === '' ? new Set<string>(Object.values(ALERT_CHANGES)) : listOf(settings.changes);
      const kinds = listOf(settings.kinds);
      const grids = listOf(settings.grids);
      return {
        source,
        select: (item) => {
          const { alert, events } = item as AlertItem;
          if ((kinds.size > 0 && !kinds.has(alert.kind)) || (grids.size > 0 && !grids.has(alert.grid))) return undefined;
          const changes = events.flatMap((e) => (e in ALERT_CHANGES ? [ALERT_CHANGES[e as keyof typeof ALERT_CHANGES]] : [])).filter((c: AlertChange) => wanted.has(c));
          const change = changes.at(-1);
          if (change === undefined) return undefined;
          const view = bridge.alertView(alert);
          return { topic: `alerts/${change}/${alert.kind}`, change, changes, payload: view, alert: view, subject: alert.subject, grid: alert.grid };
        },
      };
    }
    case 'aqhi updates': {
      const stations = listOf(settings.stations);
      const finalOnly = settings.finalOnly === true;
      return {
        source,
        select: (item) => {
          const { update } = item as AqhiItem;
          if ((stations.size > 0 && !stations.has(update.stationId)) || (finalOnly && update.provisional)) return undefined;
          return { topic: `aqhi/${update.stationId}`, payload: update, subject: update.stationId, grid: null, district: bridge.stationDistrict(update.stationId) };
        },
      };
    }
  }
}
