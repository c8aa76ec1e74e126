import type { PostgresPool } from './postgres-database.js';
import { newSecret, type SecretStore } from './secret-store.js';

/** The `settings` table in PostgreSQL: the first secret saved for a name wins, so every instance signs with the same key. */
export class PostgresSecretStore implements SecretStore {
  constructor(private readonly pool: PostgresPool) {}

  async secret(key: string): Promise<string> {
    await this.pool.query('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [key, newSecret()]);
    const { rows } = await this.pool.query<{ value: string }>('SELECT value FROM settings WHERE key = $1', [key]);
    return rows[0]!.value;
  }
}
