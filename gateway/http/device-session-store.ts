import type { Role } from '../auth/token-store.js';
import type { SqliteDatabase } from '../store/sqlite-database.js';

/** A device session as kept: hashes only, never the cookie or the CSRF token. */
export interface DeviceSessionRecord {
  id: string;
  /** SHA-256 of the cookie's value; unique. */
  hash: string;
  tokenId: string;
  role: Role;
  subject: string | null;
  csrfHash: string;
  device: string | null;
  createdAtMs: number;
  lastUsedAtMs: number;
}

/** Whose sessions: a person (role and subject), or an API token with no subject (admin). */
export type SessionOwner = { tokenId: string } | { role: Role; subject: string };

/** Phones' sign-in sessions; a signed-out one is kept but never found again. */
export interface DeviceSessionStore {
  insert(session: DeviceSessionRecord): Promise<void>;
  /** The session with this cookie hash, unless signed out. */
  live(hash: string): Promise<DeviceSessionRecord | undefined>;
  /** Writes the time of last use. */
  touch(id: string, atMs: number): Promise<void>;
  /** Signs one session out; false when it was already signed out or never existed. */
  revoke(id: string, atMs: number): Promise<boolean>;
  /** Signs out every session of the owner; how many were still signed in. */
  revokeAll(owner: SessionOwner, atMs: number): Promise<number>;
  /** The owner's sessions not signed out, newest use first. */
  listLive(owner: SessionOwner): Promise<DeviceSessionRecord[]>;
}

interface Row {
  id: string;
  hash: string;
  token_id: string;
  role: Role;
  subject: string | null;
  csrf_hash: string;
  device: string | null;
  created_at_ms: number;
  last_used_at_ms: number;
}

const recordOf = (r: Row): DeviceSessionRecord => ({
  id: r.id,
  hash: r.hash,
  tokenId: r.token_id,
  role: r.role,
  subject: r.subject,
  csrfHash: r.csrf_hash,
  device: r.device,
  createdAtMs: r.created_at_ms,
  lastUsedAtMs: r.last_used_at_ms,
});

/** Table `device_sessions` (migration 13). */
export class SqliteDeviceSessionStore implements DeviceSessionStore {
  constructor(private readonly db: SqliteDatabase) {}

  async insert(s: DeviceSessionRecord): Promise<void> {
    this.db
      .prepare('INSERT INTO device_sessions (id, hash, token_id, role, subject, csrf_hash, device, created_at_ms, last_used_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(s.id, s.hash, s.tokenId, s.role, s.subject, s.csrfHash, s.device, s.createdAtMs, s.lastUsedAtMs);
  }

  async live(hash: string): Promise<DeviceSessionRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM device_sessions WHERE hash = ? AND revoked_at_ms IS NULL').get(hash) as Row | undefined;
    return row === undefined ? undefined : recordOf(row);
  }

  async touch(id: string, atMs: number): Promise<void> {
    this.db.prepare('UPDATE device_sessions SET last_used_at_ms = ? WHERE id = ?').run(atMs, id);
  }

  async revoke(id: string, atMs: number): Promise<boolean> {
    return this.db.prepare('UPDATE device_sessions SET revoked_at_ms = ? WHERE id = ? AND revoked_at_ms IS NULL').run(atMs, id).changes > 0;
  }

  async revokeAll(owner: SessionOwner, atMs: number): Promise<number> {
    return 'tokenId' in owner
      ? this.db.prepare('UPDATE device_sessions SET revoked_at_ms = ? WHERE token_id = ? AND revoked_at_ms IS NULL').run(atMs, owner.tokenId).changes
      : this.db.prepare('UPDATE device_sessions SET revoked_at_ms = ? WHERE role = ? AND subject = ? AND revoked_at_ms IS NULL').run(atMs, owner.role, owner.subject).changes;
  }

  async listLive(owner: SessionOwner): Promise<DeviceSessionRecord[]> {
    const rows =
      'tokenId' in owner
        ? this.db.prepare('SELECT * FROM device_sessions WHERE token_id = ? AND revoked_at_ms IS NULL ORDER BY last_used_at_ms DESC, id').all(owner.tokenId)
        : this.db.prepare('SELECT * FROM device_sessions WHERE role = ? AND subject = ? AND revoked_at_ms IS NULL ORDER BY last_used_at_ms DESC, id').all(owner.role, owner.subject);
    return (rows as Row[]).map(recordOf);
  }
}
