import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { startMqttBroker, type RunningBroker } from '../broker/mqtt-broker.js';
import { createAlerting, openAlertRules, type Alerting } from './alerting.js';
import { createAedService } from './aed/aed-service.js';
import { DrillService } from './drills/drill-service.js';
import { connectAqhiNotices, connectForecastNotices, type ForecastNotices } from './alerts/aqhi-notices.js';
import { createDeviceAuthenticator } from './auth/device-authenticator.js';
import type { GatewayConfig } from './config/config.js';
import { buildHttpApp, type GatewayHttp } from './http/app.js';
import { LoginBackoff } from './auth/login-backoff.js';
import { createIngestPipeline, type IngestPipeline } from './ingest/ingest-pipeline.js';
import { RejectionLog } from './ingest/rejection-log.js';
import { createMetrics, type GatewayMetrics } from './metrics.js';
import { beginProvisionLoad } from './provision/provision-load.js';
import type { Registry } from './registry/registry.js';
import type { SecretHasher } from './registry/secret-proofs.js';
import { openDatabase, type SqliteDatabase } from './store/sqlite-database.js';
import { startWalCheckpointer, type WalCheckpointer } from './store/wal-checkpointer.js';
import { InfluxTelemetryStore } from './telemetry/influx-telemetry-store.js';
import { SqliteTelemetryStore } from './telemetry/sqlite-telemetry-store.js';
import { PostgresTelemetryStore } from './telemetry/postgres-telemetry-store.js';
import { openSharedState } from './store/shared-state.js';
import { postgresStateStores, sqliteStateStores, type StateStores } from './state-stores.js';
import type { TelemetrySink } from './telemetry/telemetry-store.js';
import { createAppAuthenticator } from './auth/app-authenticator.js';
import { createLoginGuard } from './auth/login-guard.js';
import { brokerHooks } from './broker-hooks.js';
import { SlowCheckQueue } from './auth/slow-check-queue.js';
import { createAqhiFeedPublisher } from './aqhi/aqhi-feed-publisher.js';
import { createAqhiService, followSharedIndex, type AqhiService } from './aqhi/aqhi-service.js';
import { createEvaluateStage } from './evaluate/evaluate-stage.js';
import type { StationIndex } from './aqhi/feed-schema.js';
import { selectAqhiProfile } from './aqhi/profile-selection.js';
import { createIndexReports, type IndexReports } from './aqhi/index-reports.js';
import { SseHub } from './streams/sse-hub.js';
import { createResidentLeaving } from './leaving/resident-leaving.js';
import { createNodeRedHost, type NodeRedHost } from './node-red/node-red-host.js';
import { createEmergencies, type Emergencies } from './emergencies/emergencies.js';
import { walkingRoutesFor } from './routing/walking-route.js';
import { claimantOf, nodeIdOf, singleInstanceStatus } from './cluster/cluster-status.js';
import { joinCluster, type ClusterMembership } from './cluster/cluster-membership.js';
import { PartitionOwnership } from './cluster/partition-ownership.js';
import { shareEvaluation } from './cluster/shared-evaluation.js';
import { connectBinFillNotices } from './neighbourhood/bin-fill-notices.js';
import { createNeighbourhoodService } from './neighbourhood/neighbourhood-service.js';

export interface GatewayPorts {
  mqtt: number;
  mqttWs: number;
  http: number;
}

export interface Gateway {
  readonly config: GatewayConfig;
  readonly db: SqliteDatabase;
  readonly registry: Registry;
  readonly metrics: GatewayMetrics;
  readonly ingest: IngestPipeline;
  readonly http: GatewayHttp;
  readonly sinks: readonly TelemetrySink[];
  /** Set when this start created the first admin token; main prints it once. */
  readonly generatedAdminToken: string | undefined;
  /** Starts the broker listeners and the HTTP server; writes DATA_DIR/ports.json. */
  start(): Promise<GatewayPorts>;
  /** Stops accepting, flushes what is buffered, closes the store. Safe to call twice. */
  stop(): Promise<void>;
  readonly broker: RunningBroker | undefined;
  /** Alerts, resident-safety rules, escalation and the pager. */
  readonly alerting: Alerting;
  /** The air-quality index: engine, hourly history, high-band changes. */
  readonly aqhi: AqhiService;
  /** The index's daily reports (and what is built on the hourly index beyond the feed). */
  readonly aqhiReports: IndexReports;
  /** Emergencies from outside (the 120 centre) and from the gateway's own rules: responders, AEDs, the centre's notices. */
  readonly emergencies: Emergencies;
  /** The morning notices to grids whose district is forecast high. */
  readonly forecastNotices: ForecastNotices;
  /** Embedded Node-RED (/red): started last, stopped first, never needed by the built-in rules. */
  readonly nodeRed: NodeRedHost;
}

export interface BuildOptions {
  config: GatewayConfig;
  log: Logger;
  now?: () => number;
  /** The slow hash of device secrets (tests hold it to see the gateway while a provision file loads). */
  secretHasher?: SecretHasher;
}

/** A line every few seconds while device secrets are hashed (a first load of 10,000 takes minutes). */
export function secretProgressLog(log: Logger, now: () => number): (settled: number, total: number) => void {
  const startedAtMs = now();
  let loggedAtMs = startedAtMs;
  return (settled, total) => {
    const at = now();
    if (at - loggedAtMs < 5_000 && settled < total) return;
    if (settled === total && at - startedAtMs < 5_000) return;
    loggedAtMs = at;
    log.info({ settled, total }, `device secrets checked: ${settled} of ${total}`);
  };
}

/** The composition root: wires every part, listens on nothing until start(). */
export async function buildGateway({ config, log, now = Date.now, secretHasher }: BuildOptions): Promise<Gateway> {
  const startedAtMs = now();
  const db = openDatabase(config.dataDir);
  const metrics = createMetrics();
  const shared = config.databaseUrl === undefined ? undefined : await openSharedState(config.databaseUrl, log.child({ component: 'store' }));
  const stores: StateStores = shared === undefined ? sqliteStateStores(db, now) : await postgresStateStores(shared.pool, now);
  const registry = await stores.openRegistry({
    secretHashCost: config.broker.secretHashCost,
    now,
    ...(secretHasher === undefined ? {} : { hasher: secretHasher }),
    onFollowError: (err) => log.warn({ err, component: 'registry' }, 'the other gateways’ registry changes could not be read; trying again'),
  });
  const slowChecks = new SlowCheckQueue(config.broker.slowSecretChecks, config.broker.slowSecretQueue);
  const deviceAuth = createDeviceAuthenticator(registry, slowChecks, () => metrics.secretSlowChecks.inc());
  registry.onSecretConfirmed(deviceAuth.remember);
  // Checked whole before anything listens; its slow part runs once the broker serves the devices already known.
  const provision = config.provision === undefined ? undefined : beginProvisionLoad(config.provision, registry, secretProgressLog(log, now));
  await provision?.confirmUnchanged();
  let provisionLoaded = provision === undefined;
  const settings = provision?.settings ?? (await stores.deploymentSettings.read());

  const { tokens, deviceState, accessLog } = stores;
  let generatedAdminToken: string | undefined;
  if (config.adminToken !== undefined) await tokens.ensureConfiguredAdmin(config.adminToken);
  else if (!(await tokens.hasActiveAdmin())) generatedAdminToken = (await tokens.issue('admin', null, 'generated on first start')).token;

  // Readings go where the rest of the state is: the embedded file, or PostgreSQL for several instances.
  const telemetryLog = log.child({ component: 'telemetry' });
  const embedded = shared === undefined ? new SqliteTelemetryStore(db, { ...config.telemetry, now }, metrics, telemetryLog) : undefined;
  const readings = embedded ?? new PostgresTelemetryStore(shared!.pool, { ...config.telemetry, now }, metrics, telemetryLog);
  const sinks: [TelemetrySink, ...TelemetrySink[]] = [readings];
  if (config.influx !== undefined) sinks.push(new InfluxTelemetryStore(config.influx, metrics, log.child({ component: 'influx' })));

  const rejections = new RejectionLog(stores.rejections, metrics, log.child({ component: 'ingest' }));
  const ingest = createIngestPipeline({
    lookupDevice: (id) => registry.get('devices', id),
    sinks,
    deviceState,
    rejections,
    metrics,
    limits: { maxBytes: config.broker.maxPayloadBytes, maxDepth: config.broker.maxPayloadDepth },
    log: log.child({ component: 'ingest' }),
  });

  let broker: RunningBroker | undefined;
  let checkpointer: WalCheckpointer | undefined;
  let stopped = false;
  let httpPort = config.httpPort;
  let membership: ClusterMembership | undefined;
  const { sharingRecords } = stores;
  const claimant = claimantOf(config.nodeId, config.httpPort, shared !== undefined);
  const ownership = shared === undefined ? undefined : new PartitionOwnership(registry);
  const alertDeps = { config, settings, stores, registry, metrics, log, now, ...(ownership === undefined ? {} : { ownership }) };
  const alertRules = await openAlertRules(alertDeps);
  const aed = await createAedService({
    registry,
    alerts: alertRules.service,
    ruleState: stores.ruleState,
    settings,
    metrics,
    log: log.child({ component: 'aed' }),
    now,
    ...(ownership === undefined ? {} : { ownership: { runsCabinets: () => ownership.runsCommunity(), passOn: (change) => ownership.passOn(change) } }),
  });
  // A drill nobody closes ends by itself an hour after it started.
  const drills = new DrillService({ store: stores.drills, registry, alerts: alertRules.service, aed, log: log.child({ component: 'drills' }), now, maxDurationS: 3600, fallCancelWindowS: alertRules.fallCancelWindowS });
  const alerting = await createAlerting({
    ...alertDeps,
    rules: alertRules,
    aed,
    drills,
    accessLog,
    pageClaimant: claimant,
    publish: (topic, payload, options) => (broker === undefined ? Promise.reject(new Error('the broker is not running')) : broker.publish(topic, payload, options)),
    baseUrl: () => config.pager.publicUrl ?? `http://localhost:${httpPort}`,
  });
  const emergencies = await createEmergencies({
    config, claimant, ...(ownership === undefined ? {} : { runsTicks: () => ownership.runsCommunity() }),
    settings,
    stores,
    registry,
    aed: alerting.aed,
    alerts: alerting.service,
    alertContext: alerting.context,
    ingest,
    metrics,
    log,
    now,
    publish: (topic, payload, options) => (broker === undefined ? Promise.reject(new Error('the broker is not running')) : broker.publish(topic, payload, options)),
    baseUrl: () => config.pager.publicUrl ?? `http://localhost:${httpPort}`,
  });
  const aqhiLog = log.child({ component: 'aqhi' });
  const aqhiProfile = selectAqhiProfile(settings.rules.aqhi);
  const aqhiStore = stores.aqhi;
  const aqhi = await createAqhiService({ profile: aqhiProfile, store: aqhiStore, registry, now, log: aqhiLog });
  const cluster = ownership === undefined ? {} : { cluster: { instance: claimant, runsCommunity: () => ownership.runsCommunity() } };
  const evaluate = createEvaluateStage({ registry, safety: alerting.safety, aed: alerting.aed, aqhi, ruleState: stores.ruleState, log: log.child({ component: 'evaluate' }), ...cluster });
  const clusterLog = log.child({ component: 'cluster' });
  const sharedRules = ownership === undefined ? undefined : shareEvaluation({ pool: shared!.pool, ownership, evaluate, safety: alerting.safety, aed: alerting.aed, lookupDevice: (id) => registry.get('devices', id), log: clusterLog, now, ...(config.redisUrl === undefined ? {} : { redisUrl: config.redisUrl }) });
  ingest.evaluateWith(sharedRules?.route ?? ((message, device) => evaluate.evaluateMessage(message, device, now()).committed));
  alerting.tickRulesWith(evaluate.tick);
  const aqhiStream = new SseHub<StationIndex>();
  const aqhiFeed = createAqhiFeedPublisher({ service: aqhi, stream: aqhiStream, log: aqhiLog });
  const sharedIndex = shared === undefined ? undefined : followSharedIndex({ pool: shared.pool, aqhi, feed: aqhiFeed, computes: () => ownership!.runsCommunity(), log: aqhiLog });
  connectAqhiNotices({ events: aqhi.events, registry, alerts: alerting.service, log: aqhiLog, now });
  const aqhiReports = createIndexReports({
    config: config.aqhi,
    profile: aqhiProfile,
    aqhi,
    store: aqhiStore,
    reports: stores.dailyReports,
    forecasts: stores.forecasts,
    registry,
    timeZone: settings.timeZone,
    now,
    log: aqhiLog,
  });
  if (ownership !== undefined) aqhiReports.publishOnlyWhile(() => ownership.runsCommunity());
  const forecastNotices = connectForecastNotices({
    registry,
    alerts: alerting.service,
    forecasts: aqhiReports.forecast,
    profile: aqhiProfile,
    timeZone: settings.timeZone,
    noticeAt: config.aqhi.forecastNoticeAt,
    log: aqhiLog,
    now,
  });
  const neighbourhoodLog = log.child({ component: 'neighbourhood' });
  const neighbourhood = createNeighbourhoodService({
    registry,
    readings,
    stationMeans: async (stationId, fromMs, toMs) => {
      await aqhi.flush();
      return aqhiStore.means(stationId, fromMs, toMs);
    },
    ingestEvents: ingest.events,
    now,
    log: neighbourhoodLog,
  });
  connectBinFillNotices({ ingestEvents: ingest.events, registry, alerts: alerting.service, config: config.bins, timeZone: settings.timeZone, now, log: neighbourhoodLog });
  const loginBackoff = new LoginBackoff({ ...config.http.loginBackoff, forgetAfterMs: config.http.loginBackoff.forgetAfterS * 1000, maxAddresses: 100_000, now });
  const nodeRed = createNodeRedHost({
    config: config.nodeRed,
    dataDir: config.dataDir,
    secrets: stores.secrets,
    ...(stores.nodeRedFlows === undefined ? {} : { sharedFlows: { store: stores.nodeRedFlows, instance: claimant } }),
    registry,
    tokens,
    loginBackoff,
    alerts: alerting.service,
    sources: { ingest: ingest.events, alerts: alerting.service.events, aqhi: aqhi.events },
    metrics,
    log: log.child({ component: 'node-red' }),
    now,
  });
  const http = await buildHttpApp(
    {
      registry,
      tokens,
      deviceSessions: stores.deviceSessions,
      loginBackoff,
      telemetry: readings,
      deviceState,
      rejections,
      metrics,
      bodyLimitBytes: config.http.bodyLimitBytes,
      now,
      alerts: alerting.service,
      maxNotesPerAlert: config.alerts.maxNotesPerAlert,
      alertHub: alerting.hub,
      alertContext: alerting.context,
      lastLocation: alerting.lastLocation,
      ackLinks: alerting.ackLinks,
      aed: alerting.aed,
      emergencies: emergencies.service,
      drills: alerting.drills,
      aqhi,
      aqhiStream,
      aqhiDaily: aqhiReports.daily,
      aqhiForecast: aqhiReports.forecast,
      aqhiForecastStream: aqhiReports.forecastStream,
      neighbourhood,
      accessLog,
      sharingRecords,
      residentLeaving: createResidentLeaving({
        registry,
        departures: stores.departures,
        alerts: alerting.service,
        // The queue is written before the departure erases the resident's readings with the rest.
        telemetry: embedded ?? { writeQueued: () => readings.flush() },
        deviceState,
        rejections,
        influxConfigured: config.influx !== undefined,
        log: log.child({ component: 'leaving' }),
      }),
      timeZone: settings.timeZone,
      mapTiles: config.map?.tiles ?? null,
      walkingRoutes: walkingRoutesFor(config.map?.routing ?? null, now, metrics, log),
      cluster: () => membership?.status() ?? Promise.resolve(singleInstanceStatus(nodeIdOf(config.nodeId, httpPort), startedAtMs, now())),
      readiness: () => {
        const checks: Record<string, boolean> = { broker: broker?.listening === true, store: db.open && !stopped };
        // With DATABASE_URL, alerts and pages are written there: not ready while it is away.
        if (shared !== undefined) checks.database = shared.reachability.reachable();
        // With REDIS_URL, sessions and subscriptions wait on Redis: not ready while it is away.
        if (config.redisUrl !== undefined) checks.redis = broker?.redisReady === true;
        // Devices the file adds or changes cannot connect until it is loaded.
        if (provision !== undefined) checks.provision = provisionLoaded;
        // Node-RED is reported but not required: the gateway is ready without it.
        return { ready: Object.values(checks).every(Boolean), checks: { ...checks, ...nodeRed.readinessChecks() } };
      },
    },
    log,
  );
  await nodeRed.mount(http);

  const stateFlush = setInterval(() => {
    deviceState.flush().catch((err: unknown) => log.error({ err }, 'writing device state failed'));
    rejections.flush().catch((err: unknown) => log.error({ err }, 'writing refused-message counts failed'));
  }, 2_000);
  stateFlush.unref();

  const authenticateApp = createAppAuthenticator({
    resolveToken: (token) => tokens.resolve(token),
    isDeviceId: (clientId) => registry.has('devices', clientId),
    gridsOfWorker: (workerId) => registry.get('workers', workerId)?.grids ?? [],
  });
  const brokerLog = log.child({ component: 'broker' });
  const logins = createLoginGuard(deviceAuth, authenticateApp, config.broker.loginBackoff, now);

  return {
    config,
    db,
    registry,
    metrics,
    ingest,
    http,
    sinks,
    generatedAdminToken,
    alerting,
    emergencies,
    aqhi,
    aqhiReports,
    forecastNotices,
    nodeRed,
    get broker() {
      return broker;
    },
    async start() {
      // Alerts a crash left decided and kept, before any new message is evaluated.
      await evaluate.recover(now());
      checkpointer = startWalCheckpointer(db, log.child({ component: 'store' }));
      broker = await startMqttBroker({
        host: config.host,
        mqttPort: config.mqttPort,
        mqttWsPort: config.mqttWsPort,
        limits: config.broker,
        log: brokerLog,
        now,
        ...(config.redisUrl === undefined ? {} : { redisUrl: config.redisUrl }),
        hooks: brokerHooks({ logins, ingest, metrics, log: brokerLog, now, maxQueuedBytesPerClient: config.broker.maxQueuedBytesPerClient }),
      });
      await http.listen({ port: config.httpPort, host: config.host });
      const address = http.server.address();
      const ports: GatewayPorts = { ...broker.ports, http: typeof address === 'object' && address !== null ? address.port : config.httpPort };
      httpPort = ports.http;
      // Several instances write to one Prometheus: each series says which instance it is from.
      if (shared !== undefined || config.nodeId !== undefined) metrics.registry.setDefaultLabels({ instance: nodeIdOf(config.nodeId, httpPort) });
      if (shared !== undefined) {
        const self = { nodeId: claimant, failoverS: config.cluster.failoverS, httpUrl: `http://${config.host}:${httpPort}` };
        membership = await joinCluster(shared.pool, self, clusterLog, (leases, leaseMs) => sharedRules!.follow(leases, leaseMs));
      }
      alerting.start();
      emergencies.start();
      await aqhi.start();
      aqhiFeed.attachBroker(broker);
      await aqhiReports.start(broker);
      await forecastNotices.start();
      if (provision !== undefined && !provisionLoaded) {
        log.info(
          { file: provision.file, known: registry.list('devices').length, inFile: provision.secrets },
          'listening; the devices already known are served while the provision file loads',
        );
        const result = await provision.commit();
        provisionLoaded = true;
        log.info({ file: provision.file, ...result }, 'provision file loaded');
      }
      // Last, once everything else runs; ports.json then announces a gateway that is fully up.
      await nodeRed.start();
      writeFileSync(path.join(config.dataDir, 'ports.json'), JSON.stringify(ports));
      log.info(ports, 'gateway listening');
      return ports;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      provision?.cancel();
      clearInterval(stateFlush);
      await nodeRed.stop();
      await alerting.stop();
      await emergencies.stop();
      aqhiFeed.detachBroker();
      forecastNotices.stop();
      aqhiReports.stop();
      await broker?.close();
      // Open event streams would keep the server from closing.
      aqhiStream.close();
      await http.close();
      aqhiFeed.close();
      await sharedIndex?.close();
      await aqhi.stop();
      for (const sink of sinks) await sink.close();
      await deviceState.flush();
      await rejections.flush();
      await checkpointer?.stop();
      await sharedRules?.stop();
      await membership?.leave().catch((err: unknown) => log.warn({ err }, 'partitions not given back; the others take them when the leases run out'));
      registry.close();
      db.close();
      if (shared !== undefined) await shared.close();
      log.info('gateway stopped');
    },
  };
}
