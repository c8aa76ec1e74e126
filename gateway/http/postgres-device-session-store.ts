import type { Role } from '../auth/token-store.js';
import type { PostgresPool } from '../store/postgres-database.js';
import type { DeviceSessionRecord, DeviceSessionStore, SessionOwner } from './device-session-store.js';

interface Row {
  id: string;
  hash: string;
  token_id: string;
  role: Role;
  subject: string | null;
  csrf_hash: string;
  device: string | null;
  created_at_ms: string;
  last_used_at_ms: string;
}

const recordOf = (r: Row): DeviceSessionRecord => ({
  id: r.id,
  hash: r.hash,
  tokenId: r.token_id,
  role: r.role,
  subject: r.subject,
  csrfHash: r.csrf_hash,
  device: r.device,
  createdAtMs: Number(r.created_at_ms),
  lastUsedAtMs: Number(r.last_used_at_ms),
});

/** Where an owner's sessions are: by token for an API token without a subject, else by person. */
const ownerClause = (owner: SessionOwner, first: number): { where: string; args: unknown[] } =>
  'tokenId' in owner ? { where: `token_id = $${first}`, args: [owner.tokenId] } : { where: `role = $${first} AND subject = $${first + 1}`, args: [owner.role, owner.subject] };

/** Table `device_sessions` in PostgreSQL: a phone signed in on one instance is signed in on all. */
export class PostgresDeviceSessionStore implements DeviceSessionStore {
  constructor(private readonly pool: PostgresPool) {}

  async insert(s: DeviceSessionRecord): Promise<void> {
    await this.pool.query(
      'INSERT INTO device_sessions (id, hash, token_id, role, subject, csrf_hash, device, created_at_ms, last_used_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
      [s.id, s.hash, s.tokenId, s.role, s.subject, s.csrfHash, s.device, s.createdAtMs, s.lastUsedAtMs],
    );
  }

  async live(hash: string): Promise<DeviceSessionRecord | undefined> {
    const { rows } = await this.pool.query<Row>('SELECT * FROM device_sessions WHERE hash = $1 AND revoked_at_ms IS NULL', [hash]);
    return rows[0] === undefined ? undefined : recordOf(rows[0]);
  }

  async touch(id: string, atMs: number): Promise<void> {
    await this.pool.query('UPDATE device_sessions SET last_used_at_ms = $1 WHERE id = $2', [atMs, id]);
  }

  async revoke(id: string, atMs: number): Promise<boolean> {
    const { rowCount } = await this.pool.query('UPDATE device_sessions SET revoked_at_ms = $1 WHERE id = $2 AND revoked_at_ms IS NULL', [atMs, id]);
    return rowCount === 1;
  }

  async revokeAll(owner: SessionOwner, atMs: number): Promise<number> {
    const { where, args } = ownerClause(owner, 2);
    const { rowCount } = await this.pool.query(`UPDATE device_sessions SET revoked_at_ms = $1 WHERE ${where} AND revoked_at_ms IS NULL`, [atMs, ...args]);
    return rowCount ?? 0;
  }

  async listLive(owner: SessionOwner): Promise<DeviceSessionRecord[]> {
    const { where, args } = ownerClause(owner, 1);
    const { rows } = await this.pool.query<Row>(`SELECT * FROM device_sessions WHERE ${where} AND revoked_at_ms IS NULL ORDER BY last_used_at_ms DESC, id`, args);
    return rows.map(recordOf);
  }
}
