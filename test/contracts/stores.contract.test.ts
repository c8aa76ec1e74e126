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
import { SqlitePageJobStore } from '../../gateway/pager/page-jobs.js';
import { SqliteRegistryStore } from '../../gateway/registry/sqlite-registry-store.js';
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
import { postgresAvailable } from '../helpers/postgres-server.js';
import { postgresAdapter, sqliteAdapter } from './adapter.js';
import { alertStoreContract } from './alert-store.contract.js';
import { aqhiStoreContract } from './aqhi-store.contract.js';
import { dailyReportStoreContract } from './daily-report-store.contract.js';
import { deviceStateStoreContract } from './device-state-store.contract.js';
import { drillStoreContract } from './drill-store.contract.js';
import { emergencyStoreContract } from './emergency-store.contract.js';
import { forecastStoreContract } from './forecast-store.contract.js';
import { handoffStoreContract } from './handoff-store.contract.js';
import { pageJobStoreContract } from './page-job-store.contract.js';
import { registryContract } from './registry.contract.js';
import { rejectionStoreContract } from './rejection-store.contract.js';
import { ruleStateStoreContract } from './rule-state-store.contract.js';
import { tokenStoreContract } from './token-store.contract.js';

// Every adapter of each store port runs the same suite; a new adapter is one more line here.
alertStoreContract(sqliteAdapter('SQLite file', (db) => new SqliteAlertStore(db)));
pageJobStoreContract(sqliteAdapter('SQLite file', (db) => new SqlitePageJobStore(db)));
ruleStateStoreContract(sqliteAdapter('SQLite file', (db) => new SqliteRuleStateStore(db)));
deviceStateStoreContract(sqliteAdapter('SQLite file', (db) => new SqliteDeviceStateStore(db)));
tokenStoreContract(sqliteAdapter('SQLite file', (db) => new SqliteTokenStore(db)));
aqhiStoreContract(sqliteAdapter('SQLite file', (db) => new SqliteAqhiStore(db)));
registryContract(sqliteAdapter('SQLite file', (db) => new SqliteRegistryStore(db)));
handoffStoreContract(sqliteAdapter('SQLite file', (db) => new SqliteHandoffStore(db)));
accessLogContract(sqliteAdapter('SQLite file', (db) => new SqliteAccessLog(db)));
rejectionStoreContract(sqliteAdapter('SQLite file', (db) => new SqliteRejectionStore(db)));
drillStoreContract(sqliteAdapter('SQLite file', (db) => new SqliteDrillStore(db)));
dailyReportStoreContract(sqliteAdapter('SQLite file', (db) => new SqliteDailyReportStore(db)));
forecastStoreContract(sqliteAdapter('SQLite file', (db) => ({ forecasts: new SqliteForecastStore(db), hours: new SqliteAqhiStore(db) })));
emergencyStoreContract(sqliteAdapter('SQLite file', (db) => new SqliteEmergencyStore(db)));

// The shared state store of several gateways: a real PostgreSQL 15.
if (postgresAvailable()) {
  handoffStoreContract(postgresAdapter('PostgreSQL', (pool) => new PostgresHandoffStore(pool)));
  accessLogContract(postgresAdapter('PostgreSQL', (pool) => new PostgresAccessLog(pool)));
  rejectionStoreContract(postgresAdapter('PostgreSQL', (pool) => new PostgresRejectionStore(pool)));
  ruleStateStoreContract(postgresAdapter('PostgreSQL', (pool) => new PostgresRuleStateStore(pool)));
  tokenStoreContract(postgresAdapter('PostgreSQL', (pool) => new PostgresTokenStore(pool)));
  deviceStateStoreContract(postgresAdapter('PostgreSQL', (pool) => PostgresDeviceStateStore.open(pool)));
  drillStoreContract(postgresAdapter('PostgreSQL', (pool) => new PostgresDrillStore(pool)));
  emergencyStoreContract(postgresAdapter('PostgreSQL', (pool) => new PostgresEmergencyStore(pool)));
  aqhiStoreContract(postgresAdapter('PostgreSQL', (pool) => new PostgresAqhiStore(pool)));
}
