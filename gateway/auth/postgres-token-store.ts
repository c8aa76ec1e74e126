import { randomUUID } from 'node:crypto';
import { inTransaction, type PostgresPool } from '../store/postgres-database.js';
import { hashToken, newToken } from './secret-hash.js';
import type { Principal, Role, TokenStore } from './token-store.js';

/** API tokens in PostgreSQL, kept as SHA-256 hashes, shared by every instance. */
export class PostgresTokenStore implements TokenStore {
  constructor(
    private readonly pool: PostgresPool,
    private readonly now: () => number = Date.now,
  ) {}

  async issue(role: Role, subject: string | null, label: string | null): Promise<{ id: string; token: string }> {
    const token = newToken();
    const id = randomUUID();
    await this.pool.query('INSERT INTO tokens (id, hash, role, subject, label, created_at_ms) VALUES ($1, $2, $3, $4, $5, $6)', [id, hashToken(token), role, subject, label, this.now()]);
    return { id, token };
  }

  /** Makes a configured admin token (ADMIN_TOKEN) valid, replacing an earlier configured one. */
  async ensureConfiguredAdmin(token: string): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await client.query("DELETE FROM tokens WHERE id = 'admin-configured'");
      await client.query(
        "INSERT INTO tokens (id, hash, role, subject, label, created_at_ms) VALUES ('admin-configured', $1, 'admin', NULL, 'ADMIN_TOKEN', $2) ON CONFLICT (hash) DO NOTHING",
        [hashToken(token), this.now()],
      );
    });
  }

  async hasActiveAdmin(): Promise<boolean> {
    const { rowCount } = await this.pool.query("SELECT 1 FROM tokens WHERE role = 'admin' AND revoked_at_ms IS NULL LIMIT 1");
    return rowCount === 1;
  }

  async resolve(token: string): Promise<Principal | undefined> {
    const { rows } = await this.pool.query<{ id: string; role: Role; subject: string | null }>('SELECT id, role, subject FROM tokens WHERE hash = $1 AND revoked_at_ms IS NULL', [hashToken(token)]);
    const row = rows[0];
    return row === undefined ? undefined : { tokenId: row.id, role: row.role, subject: row.subject };
  }

  async isActive(tokenId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('SELECT 1 FROM tokens WHERE id = $1 AND revoked_at_ms IS NULL', [tokenId]);
    return rowCount === 1;
  }

  async revokeSubjects(role: Role, subjects: readonly string[]): Promise<number> {
    const { rowCount } = await this.pool.query('UPDATE tokens SET revoked_at_ms = $1 WHERE role = $2 AND subject = ANY($3::text[]) AND revoked_at_ms IS NULL', [this.now(), role, [...subjects]]);
    return rowCount ?? 0;
  }

  async revoke(id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('UPDATE tokens SET revoked_at_ms = $1 WHERE id = $2 AND revoked_at_ms IS NULL', [this.now(), id]);
    return rowCount === 1;
  }
}
