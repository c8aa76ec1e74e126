import { randomBytes } from 'node:crypto';
import type { SqliteDatabase } from './sqlite-database.js';

/** A random secret kept in the store's settings under `key`: made on first use, the same after every restart. */
export function storedSecret(db: SqliteDatabase, key: string): string {
  const row = db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
  if (row !== undefined) return row.value;
  const secret = randomBytes(32).toString('base64url');
  db.prepare('INSERT INTO settings (key, value) VALUES (?, ?)').run(key, secret);
  return secret;
}
