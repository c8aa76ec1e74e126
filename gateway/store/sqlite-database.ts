import { mkdirSync } from 'node:fs';
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
];

export function openDatabase(dataDir: string, fileName = 'gateway.db'): SqliteDatabase {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(path.join(dataDir, fileName));
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
