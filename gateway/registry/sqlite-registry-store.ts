import type { SqliteDatabase } from '../store/sqlite-database.js';
import { settle } from '../store/settle.js';
import { CachedRegistry, type RegistryOptions } from './registry.js';
import type { RegistryChange, RegistryContents, RegistryStore } from './registry-store.js';
import type { CollectionName } from './schemas.js';
import { loadProofs, saveProofs, type ProofRow } from './secret-proofs.js';

/**
 * The registry in SQLite: tables `registry` (one JSON body per entry), `device_secrets` and
 * `secret_proofs`. Each method does its work inside the call and answers with a settled promise.
 */
export class SqliteRegistryStore implements RegistryStore {
  private readonly upsertEntry;
  private readonly upsertSecret;
  private readonly deleteEntry;
  private readonly deleteSecret;

  constructor(private readonly db: SqliteDatabase) {
    this.upsertEntry = db.prepare(
      'INSERT INTO registry (collection, id, body, updated_at_ms) VALUES (?, ?, ?, ?) ON CONFLICT (collection, id) DO UPDATE SET body = excluded.body, updated_at_ms = excluded.updated_at_ms',
    );
    this.upsertSecret = db.prepare('INSERT INTO device_secrets (device_id, hash) VALUES (?, ?) ON CONFLICT (device_id) DO UPDATE SET hash = excluded.hash');
    this.deleteEntry = db.prepare('DELETE FROM registry WHERE collection = ? AND id = ?');
    this.deleteSecret = db.prepare('DELETE FROM device_secrets WHERE device_id = ?');
  }

  loadAll(): Promise<RegistryContents> {
    return settle(() => {
      const rows = this.db.prepare('SELECT collection, id, body FROM registry').all() as { collection: CollectionName; id: string; body: string }[];
      const secrets = this.db.prepare('SELECT device_id, hash FROM device_secrets').all() as { device_id: string; hash: string }[];
      return {
        entries: rows.map((row) => ({ collection: row.collection, entry: JSON.parse(row.body) as { id: string } })),
        secretHashes: new Map(secrets.map((row) => [row.device_id, row.hash])),
      };
    });
  }

  loadProofs(): Promise<Map<number, ProofRow>> {
    return settle(() => loadProofs(this.db));
  }

  /** `alongside` runs inside the same SQLite transaction: its own writes roll back with these. */
  write(change: RegistryChange, atMs: number, alongside?: () => void): Promise<void> {
    return settle(() => {
      this.db.transaction(() => {
        for (const { collection, id } of change.deletes) {
          this.deleteEntry.run(collection, id);
          if (collection === 'devices') this.deleteSecret.run(id);
        }
        for (const { collection, entry, secretHash } of change.upserts) {
          this.upsertEntry.run(collection, entry.id, JSON.stringify(entry), atMs);
          if (secretHash !== undefined) this.upsertSecret.run(entry.id, secretHash);
        }
        if (change.proofs !== undefined) saveProofs(this.db, change.proofs);
        alongside?.();
      })();
    });
  }
}

/** The registry over the embedded SQLite store, as the gateway opens it. */
export function openSqliteRegistry(db: SqliteDatabase, options: RegistryOptions): Promise<CachedRegistry> {
  return CachedRegistry.open(new SqliteRegistryStore(db), options);
}
