import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DeviceSessions } from '../../gateway/http/device-sessions.js';
import { SqliteDeviceSessionStore } from '../../gateway/http/device-session-store.js';
import { openDatabase } from '../../gateway/store/sqlite-database.js';
import { useTempStores } from '../helpers/temp-store.js';

/*
 * The store's schema is the migration list's: a database made by the previous schema (12
 * migrations, and the sessions table the gateway used to create for itself at start) upgrades
 * in place, keeping its phones signed in; a new one gets the same table from the list.
 */

const T0 = Date.UTC(2026, 5, 1);
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The table as gateways before migration 13 created it at start, with no index. */
const OLD_SESSIONS_TABLE = `CREATE TABLE IF NOT EXISTS device_sessions (
  id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, token_id TEXT NOT NULL, role TEXT NOT NULL, subject TEXT,
  csrf_hash TEXT NOT NULL, device TEXT, created_at_ms INTEGER NOT NULL, last_used_at_ms INTEGER NOT NULL, revoked_at_ms INTEGER)`;

describe('store migrations', () => {
  const stores = useTempStores();

  /** A store as the previous schema left it: migrations 1 to 12 applied, nothing later. */
  function previousSchemaStore(withSessions: boolean): string {
    const dir = stores.dir();
    const db = openDatabase(dir);
    const latest = (db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number }).v;
    expect(latest).toBeGreaterThanOrEqual(13);
    // Undo migration 13 and anything after it: what an older gateway's store looks like.
    db.exec('DROP INDEX device_sessions_token; DROP INDEX device_sessions_person; DROP TABLE device_sessions');
    db.exec('ALTER TABLE page_jobs DROP COLUMN claimed_by; ALTER TABLE page_jobs DROP COLUMN claimed_until_ms');
    for (const table of ['emergency_messages', 'dispatch120_handoffs']) db.exec(`ALTER TABLE ${table} DROP COLUMN claimed_by; ALTER TABLE ${table} DROP COLUMN claimed_until_ms`);
    db.prepare('DELETE FROM schema_migrations WHERE version >= 13').run();
    if (withSessions) {
      db.exec(OLD_SESSIONS_TABLE);
      db.prepare('INSERT INTO device_sessions (id, hash, token_id, role, subject, csrf_hash, device, created_at_ms, last_used_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
        'phone-1',
        sha256('the-cookie-secret'),
        'tok-1',
        'worker',
        'w1',
        sha256('the-csrf'),
        'Android phone',
        T0,
        T0,
      );
    }
    db.close();
    return dir;
  }

  const tables = (db: ReturnType<typeof openDatabase>, type: 'table' | 'index'): string[] =>
    (db.prepare("SELECT name FROM sqlite_master WHERE type = ? AND name LIKE 'device_sessions%' ORDER BY name").all(type) as { name: string }[]).map((r) => r.name);

  it('upgrades a store of the previous schema whose gateway had made the sessions table: the phone stays signed in', async () => {
    const db = stores.open(previousSchemaStore(true));
    expect((db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number }).v).toBeGreaterThanOrEqual(13);
    expect(tables(db, 'index')).toEqual(['device_sessions_person', 'device_sessions_token']);
    const sessions = new DeviceSessions(new SqliteDeviceSessionStore(db), () => T0 + 60_000, (tokenId) => tokenId === 'tok-1');
    expect(await sessions.resolve('the-cookie-secret')).toMatchObject({ sessionId: 'phone-1', role: 'worker', subject: 'w1', tokenId: 'tok-1' });
    expect(await sessions.resolve('another secret')).toEqual({ refused: 'unknown' });
  });

  it('upgrades a store of the previous schema without the table, and a new store gets the same one', async () => {
    const upgraded = stores.open(previousSchemaStore(false));
    const fresh = stores.open();
    for (const db of [upgraded, fresh]) {
      expect(tables(db, 'table')).toEqual(['device_sessions']);
      const sessions = new DeviceSessions(new SqliteDeviceSessionStore(db), () => T0, () => true);
      const opened = await sessions.open({ tokenId: 'tok-2', role: 'worker', subject: 'w2' }, 'iPhone');
      expect(await sessions.resolve(opened.secret)).toMatchObject({ role: 'worker', subject: 'w2' });
    }
    const columns = (db: ReturnType<typeof openDatabase>) => (db.prepare('PRAGMA table_info(device_sessions)').all() as { name: string }[]).map((c) => c.name);
    expect(columns(upgraded)).toEqual(columns(fresh));
  });

  it('opens a store twice without applying anything again', () => {
    const dir = stores.dir();
    openDatabase(dir).close();
    const again = stores.open(dir);
    const versions = (again.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[]).map((r) => r.version);
    expect(versions).toEqual(versions.map((_, i) => i + 1));
  });
});
