import type { Logger } from 'pino';
import { SqliteAlertStore, type AlertStore } from './alerts/alert-store.js';
import { PostgresAlertStore } from './alerts/postgres-alert-store.js';
import { followAlertChanges, type AlertFollower, type AlertFollowerTarget } from './alerts/postgres-alert-follower.js';
import { PostgresRuleStateStore } from './alerts/postgres-rule-state-store.js';
import { SqliteRuleStateStore, type RuleStateStore } from './alerts/rule-state-store.js';
import { SqliteDailyReportStore, type DailyReportStore } from './aqhi/daily-report-store.js';
import { SqliteForecastStore, type ForecastStore } from './aqhi/forecast-store.js';
import { PostgresAqhiStore } from './aqhi/postgres-aqhi-store.js';
import { PostgresDailyReportStore } from './aqhi/postgres-daily-report-store.js';
import { PostgresForecastStore } from './aqhi/postgres-forecast-store.js';
import { PostgresFlowStore } from './node-red/postgres-flow-store.js';
import type { SharedFlowStore } from './node-red/shared-flows.js';
import { SqliteAqhiStore, type AqhiStore } from './aqhi/sqlite-aqhi-store.js';
import { SqliteAccessLog, type AccessLog } from './audit/access-log.js';
import { PostgresAccessLog } from './audit/postgres-access-log.js';
import { PostgresTokenStore } from './auth/postgres-token-store.js';
import { SqliteTokenStore, type TokenStore } from './auth/token-store.js';
import { SqliteHandoffStore, type HandoffStore } from './dispatch120/handoff-store.js';
import { PostgresHandoffStore } from './dispatch120/postgres-handoff-store.js';
import { SqliteDrillStore, type DrillStore } from './drills/drill-store.js';
import { PostgresDrillStore } from './drills/postgres-drill-store.js';
import { SqliteEmergencyStore, type EmergencyStore } from './emergencies/emergency-store.js';
import { PostgresEmergencyStore } from './emergencies/postgres-emergency-store.js';
import { SqliteDeviceSessionStore, type DeviceSessionStore } from './http/device-session-store.js';
import { PostgresDeviceSessionStore } from './http/postgres-device-session-store.js';
import { SqliteDeviceStateStore, type DeviceStateStore } from './ingest/device-state-store.js';
import { PostgresDeviceStateStore } from './ingest/postgres-device-state-store.js';
import { PostgresRejectionStore } from './ingest/postgres-rejection-store.js';
import { SqliteRejectionStore, type RejectionStore } from './ingest/rejection-store.js';
import { SqlitePageJobStore, type PageJobStore } from './pager/page-jobs.js';
import { PostgresPageJobStore } from './pager/postgres-page-jobs.js';
import { SqliteDepartures, type Departures } from './leaving/departures.js';
import { PostgresDepartures } from './leaving/postgres-departures.js';
import { PostgresDeploymentSettings } from './registry/postgres-deployment-settings.js';
import { openPostgresRegistry, type SharedRegistryOptions } from './registry/postgres-registry-store.js';
import { SqliteDeploymentSettings, type DeploymentSettingsStore } from './registry/provision.js';
import type { CachedRegistry } from './registry/registry.js';
import { openSqliteRegistry } from './registry/sqlite-registry-store.js';
import { PostgresSharingRecords } from './sharing/postgres-sharing-records.js';
import { SqliteSharingRecords, type SharingRecords } from './sharing/sharing-records.js';
import type { PostgresPool } from './store/postgres-database.js';
import { PostgresSecretStore } from './store/postgres-secret-store.js';
import { SqliteSecretStore, type SecretStore } from './store/secret-store.js';
import type { SqliteDatabase } from './store/sqlite-database.js';

/**
 * Every store of the gateway's state behind its port, from one place: the embedded SQLite file
 * for one instance, or PostgreSQL (`DATABASE_URL`) shared by several. Nothing outside this module
 * and the adapters names an adapter.
 */
export interface StateStores {
  readonly kind: 'sqlite' | 'postgres';
  readonly tokens: TokenStore;
  readonly deviceSessions: DeviceSessionStore;
  readonly secrets: SecretStore;
  readonly deviceState: DeviceStateStore;
  readonly rejections: RejectionStore;
  readonly accessLog: AccessLog;
  readonly alerts: AlertStore;
  readonly pageJobs: PageJobStore;
  readonly ruleState: RuleStateStore;
  readonly drills: DrillStore;
  readonly handoffs: HandoffStore;
  readonly emergencies: EmergencyStore;
  readonly aqhi: AqhiStore;
  readonly dailyReports: DailyReportStore;
  readonly forecasts: ForecastStore;
  /** Written with the registry's changes, by its store: read here. */
  readonly sharingRecords: SharingRecords;
  readonly departures: Departures;
  readonly deploymentSettings: DeploymentSettingsStore;
  /**
   * The registry over this same store: a resident's departure erases her rows in these stores'
   * tables in the registry's own transaction, so it must never be opened over another store.
   * Over PostgreSQL its copy follows the other gateways' writes until `close()`.
   */
  openRegistry(options: SharedRegistryOptions): Promise<CachedRegistry>;
  /** Over a store shared by several gateways: Node-RED's flows as every gateway runs them (each gateway's own directory alone on SQLite). */
  readonly nodeRedFlows?: SharedFlowStore;
  /** Over a store shared by several gateways: hears the others' alert changes (none alone on SQLite). */
  followAlerts?(target: AlertFollowerTarget, log: Logger): AlertFollower;
}

export function sqliteStateStores(db: SqliteDatabase, now: () => number): StateStores {
  return {
    kind: 'sqlite',
    tokens: new SqliteTokenStore(db, now),
    deviceSessions: new SqliteDeviceSessionStore(db),
    secrets: new SqliteSecretStore(db),
    deviceState: new SqliteDeviceStateStore(db),
    rejections: new SqliteRejectionStore(db),
    accessLog: new SqliteAccessLog(db),
    alerts: new SqliteAlertStore(db),
    pageJobs: new SqlitePageJobStore(db),
    ruleState: new SqliteRuleStateStore(db),
    drills: new SqliteDrillStore(db),
    handoffs: new SqliteHandoffStore(db),
    emergencies: new SqliteEmergencyStore(db),
    aqhi: new SqliteAqhiStore(db),
    dailyReports: new SqliteDailyReportStore(db),
    forecasts: new SqliteForecastStore(db),
    sharingRecords: new SqliteSharingRecords(db),
    departures: new SqliteDepartures(db),
    deploymentSettings: new SqliteDeploymentSettings(db),
    openRegistry: (options) => openSqliteRegistry(db, options),
  };
}

/** The same ports over PostgreSQL; the schema must be migrated first (`migratePostgres`). */
export async function postgresStateStores(pool: PostgresPool, now: () => number): Promise<StateStores> {
  return {
    kind: 'postgres',
    nodeRedFlows: new PostgresFlowStore(pool),
    tokens: new PostgresTokenStore(pool, now),
    deviceSessions: new PostgresDeviceSessionStore(pool),
    secrets: new PostgresSecretStore(pool),
    deviceState: await PostgresDeviceStateStore.open(pool),
    rejections: new PostgresRejectionStore(pool),
    accessLog: new PostgresAccessLog(pool),
    alerts: new PostgresAlertStore(pool),
    pageJobs: new PostgresPageJobStore(pool),
    ruleState: new PostgresRuleStateStore(pool),
    drills: new PostgresDrillStore(pool),
    handoffs: new PostgresHandoffStore(pool),
    emergencies: new PostgresEmergencyStore(pool),
    aqhi: new PostgresAqhiStore(pool),
    dailyReports: new PostgresDailyReportStore(pool),
    forecasts: new PostgresForecastStore(pool),
    sharingRecords: new PostgresSharingRecords(pool),
    departures: new PostgresDepartures(pool),
    deploymentSettings: new PostgresDeploymentSettings(pool),
    openRegistry: (options) => openPostgresRegistry(pool, options),
    followAlerts: (target, log) => followAlertChanges(pool, target, log),
  };
}
