import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import {
  SAFETY_KINDS,
  createAlertMachine,
  createEscalationPlanner,
  createSafetyEngine,
  type Alert,
  type AlertEventName,
  type SafetyRuleOverrides,
  type SafetyRulesConfig,
} from '../rules/safety/index.js';
import type { AedService } from './aed/aed-service.js';
import type { DrillService } from './drills/drill-service.js';
import type { GatewayConfig } from './config/config.js';
import { SseHub } from './streams/sse-hub.js';
import type { Publish } from './streams/mqtt-publish.js';
import type { GatewayMetrics } from './metrics.js';
import { createChannelSender } from './pager/channels.js';
import { PagePlanner } from './pager/page-planning.js';
import { Pager } from './pager/pager.js';
import type { DeploymentSettings } from './registry/provision.js';
import type { Registry } from './registry/registry.js';
import type { StateStores } from './state-stores.js';
import { createAckLinks, type AckLinks } from './alerts/ack-links.js';
import { buildAlertContext, type AlertContext, type KnownLocation } from './alerts/alert-context.js';
import { AlertService } from './alerts/alert-service.js';
import { presentAlert, type AlertChangeMessage } from './alerts/alert-view.js';
import { GridChangeMessages } from './alerts/grid-change-messages.js';
import { isDrill } from './alerts/drill-marker.js';
import type { PartitionOwnership } from './cluster/partition-ownership.js';
import { connectSafetyRules, fallCancelWindowS, type SafetyRules } from './alerts/safety-rules.js';
import type { AccessLog } from './audit/access-log.js';
import { resolvePerson } from './pager/recipients.js';
import { shareAlert } from './alerts/alert-sharing.js';
import { createPageComposer } from './alerts/page-composer.js';
import { createPageSharing } from './alerts/page-sharing.js';
import { createHandoffService } from './dispatch120/handoff-service.js';
import { outboxClaim } from './pager/outbox-claim.js';

export interface AlertingDeps {
  config: GatewayConfig;
  /** Pages sent about residents are recorded here. */
  accessLog: AccessLog;
  settings: DeploymentSettings;
  stores: StateStores;
  /** This instance's name in the page and 120 handoff outboxes (several instances may share them). */
  pageClaimant: string;
  registry: Registry;
  metrics: GatewayMetrics;
  log: Logger;
  now(): number;
  /** Publishes through the running broker; rejects when it is not running. */
  publish: Publish;
  /** Where people reach the HTTP server (for ack links); known once it listens. */
  baseUrl(): string;
  /** Several gateways: which residents, alerts and cabinets this one evaluates now. */
  ownership?: PartitionOwnership;
}

export interface Alerting {
  readonly service: AlertService;
  readonly hub: SseHub<AlertChangeMessage>;
  readonly ackLinks: AckLinks;
  /** The resident-safety rules (the evaluate stage runs messages through them). */
  readonly safety: SafetyRules;
  /** AED cabinets, their incidents and the responder dispatch. */
  readonly aed: AedService;
  /** Emergency drills and their reports. */
  readonly drills: DrillService;
  context(alert: Alert): AlertContext;
  lastLocation(residentId: string): KnownLocation | undefined;
  /** Rule timers, due escalation steps, due pages; resolves when the pages it started have settled. */
  tick(): Promise<void>;
  /** Sets the evaluate stage's tick, which runs the rules' timers the way a message runs them (gateway/evaluate/). */
  tickRulesWith(tick: (nowMs: number) => Promise<unknown>): void;
  /** Starts the periodic tick (and takes any step that fell due while the gateway was down). */
  start(): void;
  /** Stops ticking, waits for pages under way, saves rule state. */
  stop(): Promise<void>;
}

const RESIDENT_KINDS: ReadonlySet<string> = new Set(SAFETY_KINDS);


export type AlertRulesDeps = Pick<AlertingDeps, 'config' | 'settings' | 'stores' | 'registry' | 'metrics' | 'log' | 'now' | 'ownership'>;

/** The alert service and the resident-safety rules that raise its alerts. */
export interface AlertRules {
  readonly service: AlertService;
  readonly safety: SafetyRules;
  /** A fall's cancel window for a resident of a grid, as the rules have it (a drill plays it too). */
  fallCancelWindowS(grid: string, resident: string): number;
}

/** Opens the alert service (its store, state machine, escalation and page planning) and the resident-safety rules. */
export async function openAlertRules(deps: AlertRulesDeps): Promise<AlertRules> {
  const { config, settings, stores, registry, metrics, now, ownership } = deps;
  const log = deps.log.child({ component: 'alerts' });
  const service = await AlertService.open({
    store: stores.alerts,
    registry,
    machine: createAlertMachine({ newId: () => randomUUID() }),
    planner: createEscalationPlanner({
      timeZone: settings.timeZone,
      quietHours: config.alerts.quietHours,
      repageAckedCriticalAfterS: config.alerts.repageAckedCriticalAfterS,
    }),
    pages: new PagePlanner(registry, settings.timeZone),
    metrics,
    log,
    now,
    ...(ownership === undefined ? {} : { fenceFor: (subject: string) => ownership.fenceFor(subject) }),
  });
  const safetyConfig: SafetyRulesConfig = { rules: settings.rules as SafetyRuleOverrides, grids: {} };
  const safety = await connectSafetyRules({
    registry,
    engine: createSafetyEngine({ config: safetyConfig, timeZone: settings.timeZone }),
    config: safetyConfig,
    alerts: service,
    ruleState: stores.ruleState,
    log,
    now,
    ...(ownership === undefined ? {} : { ownership: { owns: (residentId: string) => ownership.ownsResident(residentId) } }),
  });
  return { service, safety, fallCancelWindowS: (grid, resident) => fallCancelWindowS(registry, safetyConfig.rules, grid, resident) };
}

/**
 * Around the alert service: the pager, the 120 handoffs, the alert feeds and the bracelets'
 * commands, and the tick that drives rule timers, escalation, drills and due pages. The
 * services it is given are built by the gateway's composition root (build-gateway.ts).
 */
export async function createAlerting(deps: AlertingDeps & { rules: AlertRules; aed: AedService; drills: DrillService }): Promise<Alerting> {
  const { config, settings, stores, registry, metrics, now, aed, drills } = deps;
  const { service, safety } = deps.rules;
  const log = deps.log.child({ component: 'alerts' });
  const jobs = stores.pageJobs;
  const context = (alert: Alert): AlertContext => buildAlertContext({ registry, nearestAeds: aed.nearestForPages, lastLocation: safety.lastLocation }, alert, now());
  const ackLinks = createAckLinks(await stores.secrets.secret('ack_link_secret'), deps.baseUrl, { now, ttlMs: config.pager.ackLinkTtlS * 1000 });
  const pager = new Pager({
    jobs,
    send: createChannelSender({
      webhookTimeoutMs: config.pager.timeoutMs,
      ...(config.pager.sms === undefined ? {} : { sms: config.pager.sms }),
      publishMqtt: (topic, payload) => deps.publish(topic, payload, { qos: 1 }),
    }),
    registry,
    compose: createPageComposer({
      alert: (id) => service.get(id),
      context,
      share: createPageSharing(registry, deps.accessLog, now, log),
      ackUrl: (alertId, personId) => ackLinks.url(alertId, personId),
      dispatchUrls: (alertId, personId) => ({ acceptUrl: ackLinks.url(alertId, personId, 'accept'), declineUrl: ackLinks.url(alertId, personId, 'decline') }),
      timeZone: settings.timeZone,
    }),
    retry: { maxAttempts: config.pager.maxAttempts, backoffMs: config.pager.backoffMs },
    // Past a dead instance's hold its jobs are another's: within failoverS, and longer than two sends.
    claim: outboxClaim(deps.pageClaimant, config),
    metrics,
    log: log.child({ component: 'pager' }),
    now,
  });
  const hub = new SseHub<AlertChangeMessage>();
  const handoff = createHandoffService({ store: stores.handoffs, registry, alerts: service, endpoint: settings.dispatch120, context, timeoutMs: config.pager.timeoutMs, claim: outboxClaim(deps.pageClaimant, config), log: log.child({ component: 'dispatch120' }), now });

  /** Tells the wearer help is coming (CONTRACT.md §2 `commands`). */
  function commandBracelets(alert: Alert, events: AlertEventName[]): void {
    // A drill's casualty is played: the resident's real bracelet is not told help is coming.
    if (!events.includes('alertAcked') || !RESIDENT_KINDS.has(alert.kind) || isDrill(alert)) return;
    // Whoever answered: a worker, the family doctor, a family member.
    const byName = alert.assignee === null ? null : (resolvePerson(registry, alert.assignee)?.name ?? null);
    for (const device of registry.list('devices')) {
      if (device.kind !== 'bracelet' || device.resident !== alert.subject) continue;
      const command = JSON.stringify({ cmd: 'ack', alertId: alert.id, kind: alert.kind, by: alert.assignee, byName });
      deps.publish(`devices/${device.id}/commands`, command, { qos: 1 }).catch((err: unknown) => log.warn({ err, deviceId: device.id }, 'ack command not sent'));
    }
  }

  service.events.on('pagesQueued', () => void pager.runDue());
  // Alerts and the pager talk one way: the service queues jobs, the pager reports what became of them.
  pager.events.on('delivery', (report) => {
    service.recordDelivery(report).catch((err: unknown) => log.error({ err, alertId: report.alertId, outcome: report.outcome.type }, 'a delivery outcome was not recorded'));
  });
  // Another gateway on the same database made the change and published it; this one's viewers see it too.
  service.events.on('changedElsewhere', (alert, events) => hub.publish('alert', { change: events, alert: presentAlert(alert) }));
  const follower = stores.followAlerts?.(service, log.child({ component: 'alert-follower' }));
  const gridMessages = new GridChangeMessages();
  service.events.on('changed', (alert, events) => {
    const message: AlertChangeMessage = { change: events, alert: presentAlert(alert) };
    hub.publish('alert', message);
    // Workers' apps hear of new alerts and state changes, as workers may see them; delivery records stay on the timeline.
    if (events.some((e) => e !== 'alertRecorded')) {
      const forGrid = gridMessages.next(alert, events);
      const forWorkers = { ...forGrid, alert: shareAlert(registry, 'worker', alert, forGrid.alert, null).alert };
      deps.publish(`alerts/grid/${alert.grid}`, JSON.stringify(forWorkers), { qos: 1 }).catch((err: unknown) => log.debug({ err }, 'grid alert topic not published'));
    }
    commandBracelets(alert, events);
  });

  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let tickRules: ((nowMs: number) => Promise<unknown>) | undefined;
  const tick = async (): Promise<void> => {
    if (stopped) return;
    const nowMs = now();
    // The rules' alerts first, as a message's would be: escalation and delivery below include them.
    await (tickRules?.(nowMs) ?? Promise.resolve()).catch((err: unknown) => log.error({ err }, 'rule tick failed'));
    if (stopped) return;
    try {
      service.escalate(nowMs).catch((err: unknown) => log.error({ err }, 'escalation failed'));
    } catch (err) {
      log.error({ err }, 'alert tick failed');
    }
    const drillsTicked = drills.tick(nowMs).catch((err: unknown) => log.error({ err }, 'drill tick failed'));
    let handoffs: Promise<void>;
    try {
      handoffs = handoff.tick(nowMs);
    } catch (err) {
      log.error({ err }, '120 handoff tick failed');
      handoffs = Promise.resolve();
    }
    // The steps this tick took are committed before the pager looks at its outbox, and what the
    // pages became is on the timelines before the tick is over.
    await service.settled();
    await Promise.all([drillsTicked, pager.runDue(), handoffs.catch((err: unknown) => log.error({ err }, '120 handoff failed'))]);
    await service.settled();
  };

  return {
    service,
    hub,
    ackLinks,
    safety,
    aed,
    drills,
    context,
    /** A resident's last reported position (the family page's "last seen"). */
    lastLocation: safety.lastLocation,
    tick,
    tickRulesWith(ruleTick) {
      tickRules = ruleTick;
    },
    start() {
      void tick();
      timer = setInterval(() => void tick(), config.alerts.tickMs);
      timer.unref();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      await follower?.close();
      hub.close();
      await pager.close();
      await service.settled();
      await Promise.all([safety.save(), aed.save()]);
    },
  };
}
