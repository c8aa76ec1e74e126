import { SqliteAlertStore } from '../../gateway/alerts/alert-store.js';
import { SqliteRuleStateStore } from '../../gateway/alerts/rule-state-store.js';
import { SqliteDailyReportStore } from '../../gateway/aqhi/daily-report-store.js';
import { SqliteForecastStore } from '../../gateway/aqhi/forecast-store.js';
import { SqliteAqhiStore } from '../../gateway/aqhi/sqlite-aqhi-store.js';
import { SqliteAccessLog } from '../../gateway/audit/access-log.js';
import { SqliteTokenStore } from '../../gateway/auth/token-store.js';
import { SqliteHandoffStore } from '../../gateway/dispatch120/handoff-store.js';
import { SqliteDrillStore } from '../../gateway/drills/drill-store.js';
import { SqliteEmergencyStore } from '../../gateway/emergencies/emergency-store.js';
import { SqliteDeviceStateStore } from '../../gateway/ingest/device-state-store.js';
import { SqliteRejectionStore } from '../../gateway/ingest/rejection-store.js';
import { SqliteDeviceSessionStore } from '../../gateway/http/device-session-store.js';
import { SqliteSecretStore } from '../../gateway/store/secret-store.js';
import { SqlitePageJobStore } from '../../gateway/pager/page-jobs.js';
import { SqliteRegistryStore } from '../../gateway/registry/sqlite-registry-store.js';
import { PostgresRegistryStore } from '../../gateway/registry/postgres-registry-store.js';
import { SqliteDeploymentSettings } from '../../gateway/registry/provision.js';
import { PostgresDeploymentSettings } from '../../gateway/registry/postgres-deployment-settings.js';
import { SqliteSharingRecords } from '../../gateway/sharing/sharing-records.js';
import { PostgresSharingRecords } from '../../gateway/sharing/postgres-sharing-records.js';
import { SqliteDepartures } from '../../gateway/leaving/departures.js';
import { PostgresDepartures } from '../../gateway/leaving/postgres-departures.js';
import { accessLogContract } from './access-log.contract.js';
import { PostgresHandoffStore } from '../../gateway/dispatch120/postgres-handoff-store.js';
import { PostgresAccessLog } from '../../gateway/audit/postgres-access-log.js';
import { PostgresRejectionStore } from '../../gateway/ingest/postgres-rejection-store.js';
import { PostgresRuleStateStore } from '../../gateway/alerts/postgres-rule-state-store.js';
import { PostgresTokenStore } from '../../gateway/auth/postgres-token-store.js';
import { PostgresDeviceStateStore } from '../../gateway/ingest/postgres-device-state-store.js';
import { PostgresDrillStore } from '../../gateway/drills/postgres-drill-store.js';
import { PostgresEmergencyStore } from '../../gateway/emergencies/postgres-emergency-store.js';
import { PostgresAqhiStore } from '../../gateway/aqhi/postgres-aqhi-store.js';
import { PostgresAlertStore } from '../../gateway/alerts/postgres-alert-store.js';
import { PostgresPageJobStore } from '../../gateway/pager/postgres-page-jobs.js';
import { PostgresDailyReportStore } from '../../gateway/aqhi/postgres-daily-report-store.js';
import { PostgresForecastStore } from '../../gateway/aqhi/postgres-forecast-store.js';
import { PostgresDeviceSessionStore } from '../../gateway/http/postgres-device-session-store.js';
import { PostgresSecretStore } from '../../gateway/store/postgres-secret-store.js';
import { postgresAvailable } from '../helpers/postgres-server.js';
import { createLogger } from '../../gateway/logger.js';
import { createMetrics } from '../../gateway/metrics.js';
import { SqliteTelemetryStore } from '../../gateway/telemetry/sqlite-telemetry-store.js';
import { PostgresTelemetryStore } from '../../gateway/telemetry/postgres-telemetry-store.js';
import { postgresAdapter, sqliteAdapter } from './adapter.js';
import { alertCommitContract, alertStoreContract } from './alert-store.contract.js';
import { aqhiStoreContract } from './aqhi-store.contract.js';
import { dailyReportStoreContract } from './daily-report-store.contract.js';
import { deviceSessionStoreContract } from './device-session-store.contract.js';
import { deviceStateStoreContract } from './device-state-store.contract.js';
import { drillStoreContract } from './drill-store.contract.js';
import { emergencyStoreContract } from './emergency-store.contract.js';
import { forecastStoreContract } from './forecast-store.contract.js';
import { handoffStoreContract } from './handoff-store.contract.js';
import { pageJobStoreContract } from './page-job-store.contract.js';
import { registryContract } from './registry.contract.js';
import { registrySideRecordsContract } from './registry-side-records.contract.js';
import { rejectionStoreContract } from './rejection-store.contract.js';
import { secretStoreContract } from './secret-store.contract.js';
import { ruleStateStoreContract } from './rule-state-store.contract.js';
import { tokenStoreContract } from './token-store.contract.js';

/** Readings written at once when flushed, never by a timer during a test. */
const READINGS = { retentionDays: 30, queueLimit: 10_000, flushIntervalMs: 3_600_000, batchSize: 1_000 };

// Every adapter of each store port runs the same suite; a new adapter is one more line here.
alertStoreContract(sqliteAdapter('SQLite file', (db) => new SqliteAlertStore(db)));
alertCommitContract(sqliteAdapter('SQLite file', (db) => ({ alerts: new SqliteAlertStore(db), jobs: new SqlitePageJobStore(db) })));
pageJobStoreContract(sqliteAdapter('SQLite file', (db) => new SqlitePageJobStore(db)));
ruleStateStoreContract(sqliteAdapter('SQLite file', (db) => new SqliteRuleStateStore(db)));
deviceStateStoreContract(sqliteAdapter('SQLite file', (db) => new SqliteDeviceStateStore(db)));
tokenStoreContract(sqliteAdapter('SQLite file', (db) => new SqliteTokenStore(db)));
aqhiStoreContract(sqliteAdapter('SQLite file', (db) => new SqliteAqhiStore(db)));
registryContract(sqliteAdapter('SQLite file', (db) => new SqliteRegistryStore(db)));
registrySideRecordsContract(
  sqliteAdapter('SQLite file', (db) => ({
    registry: new SqliteRegistryStore(db),
    sharingRecords: new SqliteSharingRecords(db),
    departures: new SqliteDepartures(db),
    alerts: new SqliteAlertStore(db),
    tokens: new SqliteTokenStore(db),
    accessLog: new SqliteAccessLog(db),
    ruleState: new SqliteRuleStateStore(db),
    deploymentSettings: new SqliteDeploymentSettings(db),
    deviceState: new SqliteDeviceStateStore(db),
    rejections: new SqliteRejectionStore(db),
    readings: new SqliteTelemetryStore(db, READINGS, createMetrics(), createLogger('silent')),
  })),
);
handoffStoreContract(sqliteAdapter('SQLite file', (db) => new SqliteHandoffStore(db)));
accessLogContract(sqliteAdapter('SQLite file', (db) => new SqliteAccessLog(db)));
rejectionStoreContract(sqliteAdapter('SQLite file', (db) => new SqliteRejectionStore(db)));
drillStoreContract(sqliteAdapter('SQLite file', (db) => new SqliteDrillStore(db)));
dailyReportStoreContract(sqliteAdapter('SQLite file', (db) => new SqliteDailyReportStore(db)));
forecastStoreContract(sqliteAdapter('SQLite file', (db) => ({ forecasts: new SqliteForecastStore(db), hours: new SqliteAqhiStore(db) })));
emergencyStoreContract(sqliteAdapter('SQLite file', (db) => new SqliteEmergencyStore(db)));
deviceSessionStoreContract(sqliteAdapter('SQLite file', (db) => new SqliteDeviceSessionStore(db)));
secretStoreContract(sqliteAdapter('SQLite file', (db) => new SqliteSecretStore(db)));

// The shared state store of several gateways: a real PostgreSQL 15.
if (postgresAvailable()) {
  alertStoreContract(postgresAdapter('PostgreSQL', (pool) => new PostgresAlertStore(pool)));
  alertCommitContract(postgresAdapter('PostgreSQL', (pool) => ({ alerts: new PostgresAlertStore(pool), jobs: new PostgresPageJobStore(pool) })));
  pageJobStoreContract(postgresAdapter('PostgreSQL', (pool) => new PostgresPageJobStore(pool)));
  handoffStoreContract(postgresAdapter('PostgreSQL', (pool) => new PostgresHandoffStore(pool)));
  accessLogContract(postgresAdapter('PostgreSQL', (pool) => new PostgresAccessLog(pool)));
  rejectionStoreContract(postgresAdapter('PostgreSQL', (pool) => new PostgresRejectionStore(pool)));
  ruleStateStoreContract(postgresAdapter('PostgreSQL', (pool) => new PostgresRuleStateStore(pool)));
  tokenStoreContract(postgresAdapter('PostgreSQL', (pool) => new PostgresTokenStore(pool)));
  deviceStateStoreContract(postgresAdapter('PostgreSQL', (pool) => PostgresDeviceStateStore.open(pool)));
  drillStoreContract(postgresAdapter('PostgreSQL', (pool) => new PostgresDrillStore(pool)));
  emergencyStoreContract(postgresAdapter('PostgreSQL', (pool) => new PostgresEmergencyStore(pool)));
  aqhiStoreContract(postgresAdapter('PostgreSQL', (pool) => new PostgresAqhiStore(pool)));
  dailyReportStoreContract(postgresAdapter('PostgreSQL', (pool) => new PostgresDailyReportStore(pool)));
  deviceSessionStoreContract(postgresAdapter('PostgreSQL', (pool) => new PostgresDeviceSessionStore(pool)));
  secretStoreContract(postgresAdapter('PostgreSQL', (pool) => new PostgresSecretStore(pool)));
  forecastStoreContract(postgresAdapter('PostgreSQL', (pool) => ({ forecasts: new PostgresForecastStore(pool), hours: new PostgresAqhiStore(pool) })));
  registryContract(postgresAdapter('PostgreSQL', (pool) => new PostgresRegistryStore(pool)));
  registrySideRecordsContract(
    postgresAdapter('PostgreSQL', async (pool) => ({
      registry: new PostgresRegistryStore(pool),
      sharingRecords: new PostgresSharingRecords(pool),
      departures: new PostgresDepartures(pool),
      alerts: new PostgresAlertStore(pool),
      tokens: new PostgresTokenStore(pool),
      accessLog: new PostgresAccessLog(pool),
      ruleState: new PostgresRuleStateStore(pool),
      deploymentSettings: new PostgresDeploymentSettings(pool),
      deviceState: await PostgresDeviceStateStore.open(pool),
      rejections: new PostgresRejectionStore(pool),
      readings: new PostgresTelemetryStore(pool, READINGS, createMetrics(), createLogger('silent')),
    })),
  );
}
