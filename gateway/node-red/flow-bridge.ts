import type { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { IndexUpdate } from '../../rules/aqhi/index.js';
import { ALERT_KINDS, isSeverity, type Alert, type AlertEventName, type AlertKind, type DetailValue, type Severity } from '../../rules/safety/index.js';
import type { DeviceEvent, Reading } from '../../sensors/index.js';
import type { AlertService, AlertServiceEvents } from '../alerts/alert-service.js';
import { shareAlert } from '../alerts/alert-sharing.js';
import { presentAlert, type AlertView } from '../alerts/alert-view.js';
import type { AqhiServiceEvents } from '../aqhi/aqhi-service.js';
import type { IngestEvents } from '../ingest/ingest-pipeline.js';
import type { GatewayMetrics } from '../metrics.js';
import type { Registry } from '../registry/registry.js';
import { COLLECTION_NAMES, type CollectionName, type DeviceEntity, type ResidentEntity, type SharingCategory } from '../registry/schemas.js';
import { READING_CATEGORY, readableCategories, shareReadingValues } from '../sharing/reading-sharing.js';
import { shareResident } from '../sharing/resident-sharing.js';
import type { Viewer } from '../sharing/viewer.js';
import type { FlowDispatcher, FlowSubscription } from './flow-dispatcher.js';
import type { KeyedBudget } from './token-bucket.js';
import type { GatewayErrorCode } from '../errors/gateway-errors.js';

/** What the gateway hands the dispatcher, per source; the nodes turn it into messages. */
export interface ReadingItem {
  reading: Reading;
  device: DeviceEntity;
}
export interface EventItem {
  event: DeviceEvent;
  device: DeviceEntity;
}
export interface AlertItem {
  alert: Alert;
  events: readonly AlertEventName[];
}
export interface AqhiItem {
  update: IndexUpdate;
}

/** A device as flows see it, with the subject it speaks for and that subject's grid. */
export interface DeviceContext {
  device: { id: string; kind: DeviceEntity['kind']; resident?: string; aed?: string; station?: string };
  /** The resident, AED or station the device belongs to (the device id when unbound). */
  subject: string;
  grid: string | null;
  district: string | null;
}

export interface RaiseRequest {
  kind: unknown;
  severity: unknown;
  subject: unknown;
  grid?: unknown;
  details?: unknown;
}

export interface PageRequest {
  alertId: unknown;
  recipients: unknown;
  role: string;
}

/** A request from a flow that the gateway refuses; the node reports it with done(err). */
export class FlowActionError extends Error {
  override name = 'FlowActionError';
  readonly gatewayCode: GatewayErrorCode = 'GW_ERR_NODERED_ACTION_REFUSED';
}

/** Alert changes as the `gateway alerts` node names them. */
export const ALERT_CHANGES = { alertRaised: 'created', alertAcked: 'acked', alertResolved: 'resolved' } as const satisfies Partial<Record<AlertEventName, string>>;
export type AlertChange = (typeof ALERT_CHANGES)[keyof typeof ALERT_CHANGES];

const ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Flows are the operator's automation, not a person the resident knows: they get a resident's
 * data as a grid worker would under the resident's sharing choices (emergencies as for a worker).
 */
export const FLOW_VIEWER: Viewer = 'worker';
const MAX_DETAILS = 20;
const MAX_DETAIL_TEXT = 500;

export interface FlowBridgeDeps {
  dispatcher: FlowDispatcher;
  registry: Pick<Registry, 'get' | 'list'>;
  alerts: Pick<AlertService, 'raise' | 'pageDirect' | 'get'>;
  /** Alerts raised and pages sent per flow. */
  actionBudget: KeyedBudget;
  metrics: GatewayMetrics;
  log: Logger;
  now(): number;
}

/**
 * The in-process services the gateway's Node-RED nodes talk to: subscriptions to readings,
 * events, alert changes and index updates, and the actions a flow may take (raise an alert
 * through the same alert service as the built-in rules, page people, read the registry).
 */
export class FlowBridge {
  constructor(private readonly deps: FlowBridgeDeps) {}

  /** Feeds the dispatcher from the gateway's emitters; returns the disconnect. */
  connect(sources: {
    ingest: EventEmitter<IngestEvents>;
    alerts: EventEmitter<AlertServiceEvents>;
    aqhi: EventEmitter<AqhiServiceEvents>;
  }): () => void {
    const { dispatcher } = this.deps;
    const onReading = (reading: Reading, device: DeviceEntity): void => dispatcher.enqueue('readings', { reading, device } satisfies ReadingItem);
    const onEvent = (event: DeviceEvent, device: DeviceEntity): void => dispatcher.enqueue('events', { event, device } satisfies EventItem);
    const onAlert = (alert: Alert, events: AlertEventName[]): void => {
      if (events.some((e) => e in ALERT_CHANGES)) dispatcher.enqueue('alerts', { alert, events } satisfies AlertItem);
    };
    const onIndex = (update: IndexUpdate): void => dispatcher.enqueue('aqhi', { update } satisfies AqhiItem);
    sources.ingest.on('readingAccepted', onReading);
    sources.ingest.on('eventAccepted', onEvent);
    sources.alerts.on('changed', onAlert);
    sources.aqhi.on('indexChanged', onIndex);
    return () => {
      sources.ingest.off('readingAccepted', onReading);
      sources.ingest.off('eventAccepted', onEvent);
      sources.alerts.off('changed', onAlert);
      sources.aqhi.off('indexChanged', onIndex);
    };
  }

  subscribe<M>(subscription: FlowSubscription<M>): () => void {
    return this.deps.dispatcher.subscribe(subscription);
  }

  deviceContext(device: DeviceEntity): DeviceContext {
    const { registry } = this.deps;
    const view: DeviceContext['device'] = { id: device.id, kind: device.kind };
    if (device.resident !== undefined) view.resident = device.resident;
    if (device.aed !== undefined) view.aed = device.aed;
    if (device.station !== undefined) view.station = device.station;
    if (device.resident !== undefined) {
      const grid = registry.get('residents', device.resident)?.grid ?? null;
      return { device: view, subject: device.resident, grid, district: this.districtOf(grid) };
    }
    if (device.aed !== undefined) {
      const grid = registry.get('aeds', device.aed)?.grid ?? null;
      return { device: view, subject: device.aed, grid, district: this.districtOf(grid) };
    }
    if (device.station !== undefined) {
      return { device: view, subject: device.station, grid: null, district: registry.get('stations', device.station)?.district ?? null };
    }
    return { device: view, subject: device.id, grid: null, district: null };
  }

  /** The alert as a worker may see it: coordinates, readings and conditions only when shared or under the emergency rule. */
  alertView(alert: Alert): AlertView {
    return shareAlert(this.deps.registry, FLOW_VIEWER, alert, presentAlert(alert), null).alert;
  }

  /**
   * A reading as flows may have it: without the fields of categories its resident does not share
   * with workers; undefined when that leaves nothing of the resident (only device upkeep such as
   * battery). Readings of AEDs, stations and bins carry no resident data and pass as they are.
   */
  readingForFlows(reading: Reading, device: DeviceEntity): Reading | undefined {
    if (device.resident === undefined) return reading;
    const resident = this.deps.registry.get('residents', device.resident);
    // A bracelet bound to no known resident: nothing is known to be shared.
    const readable = resident === undefined ? new Set<SharingCategory>() : readableCategories(resident, FLOW_VIEWER);
    const values = shareReadingValues(reading.values as Readonly<Record<string, unknown>>, readable);
    const fields = Object.keys(reading.values);
    if (fields.every((f) => f in values)) return reading;
    if (!Object.keys(values).some((f) => READING_CATEGORY[f] !== undefined)) return undefined;
    return { ...reading, values } as Reading;
  }

  stationDistrict(stationId: string): string | null {
    return this.deps.registry.get('stations', stationId)?.district ?? null;
  }

  /** Raises (or repeats) an alert exactly as a built-in rule would, marked `source: flow:<id>`. */
  async raiseAlert(flowId: string, request: RaiseRequest): Promise<AlertView> {
    this.spend(flowId, 'raise');
    const kind = request.kind;
    if (typeof kind !== 'string' || !(ALERT_KINDS as readonly string[]).includes(kind)) {
      throw this.refuse('raise', `kind must be one of ${ALERT_KINDS.join(', ')} (got ${JSON.stringify(kind)})`);
    }
    if (!isSeverity(request.severity)) throw this.refuse('raise', `severity must be low, medium, high or critical (got ${JSON.stringify(request.severity)})`);
    const subject = request.subject;
    if (typeof subject !== 'string' || !ID.test(subject)) throw this.refuse('raise', `subject must be a resident, AED or station id (got ${JSON.stringify(subject)})`);
    const grid = this.gridFor(subject, request.grid);
    const alert = await this.deps.alerts.raise({
      kind: kind as AlertKind,
      severity: request.severity as Severity,
      subject,
      grid,
      details: sanitizeDetails(request.details),
      occurredAtMs: this.deps.now(),
      source: `flow:${flowId}`,
    });
    this.deps.metrics.nodeRedActions.inc({ action: 'raise', outcome: 'done' });
    this.deps.log.info({ flowId, alertId: alert.id, kind, subject, grid }, 'flow raised an alert');
    // A repeat returns the open alert, which may hold more than the flow gave: shaped as for a worker too.
    return this.alertView(alert);
  }

  /** Pages people about an alert through the pager (each over their own channels). */
  async sendPage(flowId: string, request: PageRequest): Promise<number> {
    this.spend(flowId, 'page');
    const alertId = request.alertId;
    if (typeof alertId !== 'string' || (await this.deps.alerts.get(alertId)) === undefined) throw this.refuse('page', `no alert ${JSON.stringify(alertId)} to page about`);
    const recipients = toIdList(request.recipients);
    if (recipients.length === 0) throw this.refuse('page', 'no recipients: set them on the node or in msg.recipients');
    const queued = await this.deps.alerts.pageDirect(alertId, recipients, { reason: 'notice', role: request.role });
    if (queued === 0) throw this.refuse('page', `none of ${recipients.join(', ')} is a worker, responder or contact with a channel`);
    this.deps.metrics.nodeRedActions.inc({ action: 'page', outcome: 'done' });
    this.deps.log.info({ flowId, alertId, recipients, queued }, 'flow paged people');
    return queued;
  }

  lookup(collection: unknown, id: unknown): object | null {
    if (typeof collection !== 'string' || !(COLLECTION_NAMES as string[]).includes(collection)) {
      throw new FlowActionError(`collection must be one of ${COLLECTION_NAMES.join(', ')}`);
    }
    if (typeof id !== 'string') return null;
    const entry = this.deps.registry.get(collection as CollectionName, id);
    if (entry === undefined) return null;
    // A resident's home, safe zone, conditions and thresholds only as shared with workers.
    if (collection === 'residents') return structuredClone(shareResident(entry as ResidentEntity, FLOW_VIEWER).resident);
    return structuredClone(entry);
  }

  private spend(flowId: string, action: 'raise' | 'page'): void {
    if (this.deps.actionBudget.take(flowId)) return;
    this.deps.metrics.nodeRedActions.inc({ action, outcome: 'over_budget' });
    throw new FlowActionError(`this flow is over its budget of alerts and pages; ${action} refused`);
  }

  private refuse(action: 'raise' | 'page', message: string): FlowActionError {
    this.deps.metrics.nodeRedActions.inc({ action, outcome: 'refused' });
    return new FlowActionError(message);
  }

  private gridFor(subject: string, requested: unknown): string {
    const { registry } = this.deps;
    if (requested !== undefined && requested !== null && requested !== '') {
      if (typeof requested !== 'string' || registry.get('grids', requested) === undefined) throw this.refuse('raise', `no grid ${JSON.stringify(requested)}`);
      return requested;
    }
    const grid = registry.get('residents', subject)?.grid ?? registry.get('aeds', subject)?.grid;
    if (grid === undefined) throw this.refuse('raise', `no grid for ${subject}: give msg.grid (its escalation policy decides who is paged)`);
    return grid;
  }

  private districtOf(grid: string | null): string | null {
    return grid === null ? null : (this.deps.registry.get('grids', grid)?.district ?? null);
  }
}

/** Ids from an array or a comma-separated string. */
export function toIdList(value: unknown): string[] {
  const parts = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [];
  return [...new Set(parts.filter((p): p is string => typeof p === 'string').map((p) => p.trim()).filter((p) => ID.test(p)))];
}

/** Keeps what an alert's details may hold (text, numbers, flags, lists of text), bounded. */
function sanitizeDetails(details: unknown): Record<string, DetailValue> {
  const out: Record<string, DetailValue> = {};
  if (typeof details !== 'object' || details === null || Array.isArray(details)) return out;
  for (const [key, value] of Object.entries(details).slice(0, MAX_DETAILS)) {
    if (key === 'source') continue;
    if (typeof value === 'string') out[key] = value.slice(0, MAX_DETAIL_TEXT);
    else if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean' || value === null) out[key] = value;
    else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) out[key] = value.slice(0, MAX_DETAILS).map((v: string) => v.slice(0, MAX_DETAIL_TEXT));
  }
  return out;
}
