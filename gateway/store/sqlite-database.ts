import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export type SqliteDatabase = Database.Database;

/**
 * Ordered schema migrations; each runs once, in a transaction, and is recorded.
 * Never edit a shipped migration: add the next one.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE registry (
    collection TEXT NOT NULL,
    id TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    PRIMARY KEY (collection, id)
  );
  CREATE TABLE device_secrets (
    device_id TEXT PRIMARY KEY,
    hash TEXT NOT NULL
  );
  CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    subject TEXT,
    label TEXT,
    created_at_ms INTEGER NOT NULL,
    revoked_at_ms INTEGER
  );
  CREATE TABLE readings (
    device_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    ts_ms INTEGER NOT NULL,
    received_at_ms INTEGER NOT NULL,
    body TEXT NOT NULL
  );
  CREATE INDEX readings_by_device_time ON readings (device_id, ts_ms);
  CREATE INDEX readings_by_received ON readings (received_at_ms);
  CREATE TABLE device_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    device_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    ts_ms INTEGER NOT NULL,
    received_at_ms INTEGER NOT NULL,
    body TEXT NOT NULL
  );
  CREATE INDEX device_events_by_device_time ON device_events (device_id, ts_ms);
  CREATE TABLE device_status (
    device_id TEXT PRIMARY KEY,
    online INTEGER NOT NULL,
    bat REAL,
    fw TEXT,
    changed_at_ms INTEGER NOT NULL,
    last_seen_ms INTEGER
  );
  CREATE TABLE device_rejections (
    device_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    count INTEGER NOT NULL,
    last_at_ms INTEGER NOT NULL,
    last_message TEXT NOT NULL,
    PRIMARY KEY (device_id, reason)
  );
  CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  `,
  // 2: alerts with their timelines, the pager's outbox, rule state snapshots.
  `
  CREATE TABLE alerts (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    grid TEXT NOT NULL,
    dedup_key TEXT NOT NULL,
    state TEXT NOT NULL,
    severity TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    body TEXT NOT NULL
  );
  CREATE UNIQUE INDEX alerts_one_active ON alerts (dedup_key) WHERE state <> 'resolved';
  CREATE INDEX alerts_by_subject ON alerts (subject, created_at_ms);
  CREATE INDEX alerts_by_state ON alerts (state);
  CREATE INDEX alerts_by_created ON alerts (created_at_ms);
  CREATE TABLE page_jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id TEXT NOT NULL,
    step INTEGER,
    reason TEXT NOT NULL,
    role TEXT NOT NULL,
    routes TEXT NOT NULL,
    route_index INTEGER NOT NULL DEFAULT 0,
    attempt INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL,
    next_attempt_at_ms INTEGER NOT NULL,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    last_error TEXT
  );
  CREATE INDEX page_jobs_due ON page_jobs (state, next_attempt_at_ms);
  CREATE INDEX page_jobs_by_alert ON page_jobs (alert_id);
  CREATE TABLE rule_state (
    name TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    saved_at_ms INTEGER NOT NULL
  );
  `,
  // 3: hourly AQHI values per station (the history feed) and the AQHI engine's state.
  `
  CREATE TABLE aqhi_hourly (
    station_id TEXT NOT NULL,
    hour_start_ms INTEGER NOT NULL,
    value REAL,
    band INTEGER,
    high INTEGER NOT NULL,
    provisional INTEGER NOT NULL,
    profile TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    PRIMARY KEY (station_id, hour_start_ms)
  ) WITHOUT ROWID;
  CREATE INDEX aqhi_hourly_by_hour ON aqhi_hourly (hour_start_ms);
  CREATE TABLE aqhi_state (
    key TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    saved_at_ms INTEGER NOT NULL
  );
  `,
  // 4: readings stored in chunks, one row per device and flush (a row per reading cost more
  // than all the rest of ingestion); existing readings become one-reading chunks.
  `
  CREATE TABLE reading_chunks (
    device_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    first_ts_ms INTEGER NOT NULL,
    last_ts_ms INTEGER NOT NULL,
    count INTEGER NOT NULL,
    body TEXT NOT NULL
  );
  CREATE INDEX reading_chunks_by_device_time ON reading_chunks (device_id, first_ts_ms);
  CREATE INDEX reading_chunks_by_last_ts ON reading_chunks (last_ts_ms);
  INSERT INTO reading_chunks (device_id, kind, first_ts_ms, last_ts_ms, count, body)
    SELECT device_id, kind, ts_ms, ts_ms, 1, json_array(json_array(ts_ms, received_at_ms, json(body))) FROM readings ORDER BY rowid;
  DROP TABLE readings;
  `,
  // 5: one slow hash per group of provisioned devices, so a start confirms the provision file's
  // secrets with a few dozen slow hashes instead of one per device (registry/secret-proofs.ts).
  `
  CREATE TABLE secret_proofs (
    bucket INTEGER PRIMARY KEY,
    proof TEXT NOT NULL,
    hashes_digest TEXT NOT NULL
  );
  `,
  // 6: which devices a proof covers, so that a device added to a group does not void the proof
  // for the others (NULL, from version 5: the group as the file gives it).
  `
  ALTER TABLE secret_proofs ADD COLUMN members TEXT;
  `,
  // 7: the index's daily reports (every revision kept), the hourly pollutant means they are built
  // from, the forecasts kept for scoring the model, and the bureau's official forecasts.
  `
  CREATE TABLE aqhi_hour_means (
    station_id TEXT NOT NULL,
    hour_start_ms INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (station_id, hour_start_ms)
  );
  CREATE TABLE aqhi_daily_reports (
    scope TEXT NOT NULL,
    subject TEXT NOT NULL,
    date TEXT NOT NULL,
    revision INTEGER NOT NULL,
    body TEXT NOT NULL,
    issued_at_ms INTEGER NOT NULL,
    PRIMARY KEY (scope, subject, date, revision)
  );
  CREATE TABLE aqhi_forecast_log (
    station_id TEXT NOT NULL,
    issued_hour_ms INTEGER NOT NULL,
    lead_hours INTEGER NOT NULL,
    target_hour_ms INTEGER NOT NULL,
    model REAL,
    persistence REAL,
    PRIMARY KEY (station_id, issued_hour_ms, lead_hours)
  );
  CREATE INDEX aqhi_forecast_log_by_target ON aqhi_forecast_log (station_id, target_hour_ms);
  CREATE TABLE aqhi_official_forecasts (
    station_id TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    issued_at_ms INTEGER NOT NULL,
    valid_until_ms INTEGER NOT NULL
  );
  `,
  // 8: emergencies from outside (the 120 centre) with their responder runs, and their outbox:
  // pages to responders, notices to the centre and guardians, written with the change that asks for them.
  `
  CREATE TABLE emergencies (
    id TEXT PRIMARY KEY,
    ref TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    body TEXT NOT NULL
  );
  CREATE INDEX emergencies_by_state ON emergencies (state);
  CREATE INDEX emergencies_by_created ON emergencies (created_at_ms);
  CREATE TABLE emergency_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    emergency_id TEXT NOT NULL,
    purpose TEXT NOT NULL,
    routes TEXT NOT NULL,
    body TEXT NOT NULL,
    route_index INTEGER NOT NULL DEFAULT 0,
    attempt INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL,
    next_attempt_at_ms INTEGER NOT NULL,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    last_error TEXT
  );
  CREATE INDEX emergency_messages_due ON emergency_messages (state, next_attempt_at_ms);
  `,
  // 9: emergency drills (gateway/drills/) and each person's ack of a drill's alert.
  `
  CREATE TABLE drills (
    id TEXT PRIMARY KEY,
    grid TEXT NOT NULL,
    started_at_ms INTEGER NOT NULL,
    body TEXT NOT NULL
  );
  CREATE INDEX drills_by_grid_time ON drills (grid, started_at_ms);
  CREATE TABLE drill_acks (
    drill_id TEXT NOT NULL,
    person TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    PRIMARY KEY (drill_id, person)
  );
  `,
  // 10: residents' sharing choices as recorded (who, when, on what basis), and the access log of
  // resident data: both append-only, the store itself refusing to change or remove a row.
  `
  CREATE TABLE sharing_records (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    resident_id TEXT NOT NULL,
    choices TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at_ms INTEGER NOT NULL,
    basis TEXT NOT NULL,
    form_ref TEXT
  );
  CREATE INDEX sharing_records_by_resident ON sharing_records (resident_id, seq);
  CREATE TABLE access_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms INTEGER NOT NULL,
    actor TEXT NOT NULL,
    role TEXT NOT NULL,
    resident_id TEXT NOT NULL,
    category TEXT NOT NULL,
    action TEXT NOT NULL,
    ground TEXT NOT NULL
  );
  CREATE INDEX access_log_by_resident ON access_log (resident_id, at_ms);
  CREATE INDEX access_log_by_actor ON access_log (actor, at_ms);
  CREATE INDEX access_log_by_time ON access_log (at_ms);
  CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
  CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
  CREATE TRIGGER sharing_records_no_update BEFORE UPDATE ON sharing_records BEGIN SELECT RAISE(ABORT, 'sharing records are append-only'); END;
  `,
  // 11: handoffs to the 120 dispatch centre, one per alert (the primary key), kept as an outbox
  // so a kill -9 neither loses nor repeats one.
  `
  CREATE TABLE dispatch120_handoffs (
    alert_id TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    state TEXT NOT NULL,
    attempt INTEGER NOT NULL DEFAULT 0,
    next_attempt_at_ms INTEGER NOT NULL,
    created_at_ms INTEGER NOT NULL,
    reference TEXT,
    last_error TEXT
  );
  CREATE INDEX dispatch120_handoffs_due ON dispatch120_handoffs (state, next_attempt_at_ms);
  `,
  // 12: what stays of residents who left the programme: anonymous counts, no id, no name.
  `
  CREATE TABLE departed_alert_counts (
    month TEXT NOT NULL,
    grid TEXT NOT NULL,
    kind TEXT NOT NULL,
    severity TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (month, grid, kind, severity)
  );
  CREATE TABLE departures (
    month TEXT NOT NULL,
    grid TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (month, grid)
  );
  `,
  // 13: phones' sign-in sessions (http-only cookie, CSRF token), each hanging from an API token.
  // Gateways before this version made the table themselves at start: kept as it is, with its rows.
  `
  CREATE TABLE IF NOT EXISTS device_sessions (
    id TEXT PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    token_id TEXT NOT NULL,
    role TEXT NOT NULL,
    subject TEXT,
    csrf_hash TEXT NOT NULL,
    device TEXT,
    created_at_ms INTEGER NOT NULL,
    last_used_at_ms INTEGER NOT NULL,
    revoked_at_ms INTEGER
  );
  CREATE INDEX IF NOT EXISTS device_sessions_token ON device_sessions (token_id);
  CREATE INDEX IF NOT EXISTS device_sessions_person ON device_sessions (role, subject);
  `,
  // 14: which pager holds a page job while it sends it, and until when (gateways sharing one outbox).
  `
  ALTER TABLE page_jobs ADD COLUMN claimed_by TEXT;
  ALTER TABLE page_jobs ADD COLUMN claimed_until_ms INTEGER;
  `,
  // 15: the same for emergency messages and 120 handoffs (gateways sharing those outboxes).
  `
  ALTER TABLE emergency_messages ADD COLUMN claimed_by TEXT;
  ALTER TABLE emergency_messages ADD COLUMN claimed_until_ms INTEGER;
  ALTER TABLE dispatch120_handoffs ADD COLUMN claimed_by TEXT;
  ALTER TABLE dispatch120_handoffs ADD COLUMN claimed_until_ms INTEGER;
  `,
];

export function openDatabase(dataDir: string, fileName = 'gateway.db'): SqliteDatabase {
  // Health data, hashed secrets and signing keys: the owner only (SQLite gives its -wal and -shm
  // files the database file's mode). A directory or file made earlier is tightened too.
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
  const file = path.join(dataDir, fileName);
  closeSync(openSync(file, 'a', 0o600));
  chmodSync(file, 0o600);
  const db = new Database(file);
  // WAL with synchronous=NORMAL: a committed transaction survives a killed process
  // (the WAL is in the OS cache); only a power loss can take the last commits.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

function migrate(db: SqliteDatabase): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at_ms INTEGER NOT NULL)');
  const row = db.prepare('SELECT MAX(version) AS version FROM schema_migrations').get() as { version: number | null };
  const current = row.version ?? 0;
  if (current > MIGRATIONS.length) {
    throw new Error(`the store at schema version ${current} is newer than this gateway (${MIGRATIONS.length}); upgrade the gateway`);
  }
  for (let version = current + 1; version <= MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version - 1]!);
      db.prepare('INSERT INTO schema_migrations (version, applied_at_ms) VALUES (?, ?)').run(version, Date.now());
    })();
  }
}
