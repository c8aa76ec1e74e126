import type { Logger } from 'pino';
import type { AedService } from '../aed/aed-service.js';
import type { AlertContext } from '../alerts/alert-context.js';
import type { AlertService } from '../alerts/alert-service.js';
import type { IngestPipeline } from '../ingest/ingest-pipeline.js';
import type { Alert } from '../../rules/safety/index.js';
import { connectArrestWatch } from './arrest-watch.js';
import type { Publish } from '../streams/mqtt-publish.js';
import type { GatewayConfig } from '../config/config.js';
import type { GatewayMetrics } from '../metrics.js';
import { createChannelSender } from '../pager/channels.js';
import { outboxClaim } from '../pager/outbox-claim.js';
import type { DeploymentSettings } from '../registry/provision.js';
import type { Registry } from '../registry/registry.js';
import type { SecretStore } from '../store/secret-store.js';
import { createEmergencyLinks } from './emergency-links.js';
import { EmergencyMessenger } from './emergency-messenger.js';
import { createEmergencyService, type EmergencyService } from './emergency-service.js';
import type { EmergencyStore } from './emergency-store.js';
import { runWhenAsked } from '../store/one-at-a-time.js';

export interface EmergenciesDeps {
  config: GatewayConfig;
  settings: DeploymentSettings;
  stores: { emergencies: EmergencyStore; secrets: SecretStore };
  /** This instance's name in the shared outboxes (several instances may share them). */
  claimant: string;
  registry: Registry;
  aed: AedService;
  alerts: AlertService;
  alertContext(alert: Alert): AlertContext;
  ingest: IngestPipeline;
  metrics: GatewayMetrics;
  log: Logger;
  now(): number;
  publish: Publish;
  baseUrl(): string;
  /**
   * Several gateways on one database: true on the one gateway that runs the answer deadlines and
   * resends unlocks (the community's partition holder), so each emergency is ticked once. Without
   * it this gateway ticks every emergency.
   */
  runsTicks?(): boolean;
}

export interface Emergencies {
  readonly service: EmergencyService;
  /** Answer deadlines, unsent unlocks, due messages; resolves when the messages it started have settled. */
  tick(): Promise<void>;
  start(): void;
  stop(): Promise<void>;
}

/** Emergencies from outside, wired: store, outbox, links, the cabinets' opening hook, the tick. */
export async function createEmergencies(deps: EmergenciesDeps): Promise<Emergencies> {
  const log = deps.log.child({ component: 'emergencies' });
  const store = deps.stores.emergencies;
  const messenger = new EmergencyMessenger({
    store,
    send: createChannelSender({
      webhookTimeoutMs: deps.config.pager.timeoutMs,
      ...(deps.config.pager.sms === undefined ? {} : { sms: deps.config.pager.sms }),
      publishMqtt: (topic, payload) => deps.publish(topic, payload, { qos: 1 }),
    }),
    retry: { maxAttempts: deps.config.pager.maxAttempts, backoffMs: deps.config.pager.backoffMs },
    claim: outboxClaim(deps.claimant, deps.config),
    metrics: deps.metrics,
    log,
    now: deps.now,
  });
  const service = await createEmergencyService({
    store,
    messenger,
    registry: deps.registry,
    aed: deps.aed,
    settings: deps.settings,
    config: deps.config.emergencies,
    links: createEmergencyLinks(await deps.stores.secrets.secret('emergency_link_secret'), deps.baseUrl),
    publish: deps.publish,
    metrics: deps.metrics,
    log,
    now: deps.now,
    ...(deps.runsTicks === undefined ? {} : { runsTicks: deps.runsTicks }),
  });
  deps.aed.setOpeningHook(service);
  connectArrestWatch({
    alerts: deps.alerts,
    context: deps.alertContext,
    ingest: deps.ingest,
    registry: deps.registry,
    emergencies: service,
    windowS: deps.config.emergencies.arrestAfterFallS,
    log,
    now: deps.now,
  });

  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  // Another gateway's changes, as they are saved; a burst of them is one look at the store.
  const refreshes = runWhenAsked(() =>
    service.refresh().catch((err: unknown) => log.warn({ err }, 'emergencies changed on another gateway could not be read; the next tick reads them')),
  );
  const following = store.follow?.(() => {
    if (!stopped) refreshes.ask();
  }, log);

  const tick = async (): Promise<void> => {
    if (stopped) return;
    try {
      await service.tick(deps.now());
    } catch (err) {
      log.error({ err }, 'emergency tick failed');
    }
    await service.runDue().catch((err: unknown) => log.error({ err }, 'sending emergency messages failed'));
  };
  return {
    service,
    tick,
    start() {
      void tick();
      timer = setInterval(() => void tick(), deps.config.alerts.tickMs);
      timer.unref();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      await following?.close();
      await refreshes.settled();
      await service.stop();
    },
  };
}
