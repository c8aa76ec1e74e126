import { randomBytes } from 'node:crypto';
import type { SqliteDatabase } from './sqlite-database.js';

/**
 * Random secrets kept under a name (the signing keys of page links, Node-RED's credentials): made
 * on first use, the same after every restart, and the same for every gateway sharing the store
 * (the first one kept wins).
 */
export interface SecretStore {
  secret(key: string): Promise<string>;
}

/** A fresh secret: 32 random bytes, base64url. */
export const newSecret = (): string => randomBytes(32).toString('base64url');

/** The store's `settings` table. */
export class SqliteSecretStore implements SecretStore {
  constructor(private readonly db: SqliteDatabase) {}

  async secret(key: string): Promise<string> {
    this.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING').run(key, newSecret());
    return (this.db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string }).value;
  }
}
