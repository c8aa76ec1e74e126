import type { SqliteDatabase } from '../store/sqlite-database.js';
import { settle } from '../store/settle.js';
import { CachedRegistry, type RegistryOptions } from './registry.js';
import type { RegistryChange, RegistryContents, RegistrySideResults, RegistrySideWrites, RegistryStore } from './registry-store.js';
import type { CollectionName } from './schemas.js';
import { proofOf, type ProofRow } from './secret-proofs.js';
import { writeSideRecords } from './sqlite-side-writes.js';

/**
 * The registry in SQLite: tables `registry` (one JSON body per entry), `device_secrets` and
 * `secret_proofs`, and the side records written with a change (sqlite-side-writes.ts). Each
 * method does its work inside the call and answers with a settled promise.
 */
export class SqliteRegistryStore implements RegistryStore {
  private readonly upsertEntry;
  private readonly upsertSecret;
  private readonly deleteEntry;
  private readonly deleteSecret;
  private readonly upsertProof;

  constructor(private readonly db: SqliteDatabase) {
    this.upsertEntry = db.prepare(
      'INSERT INTO registry (collection, id, body, updated_at_ms) VALUES (?, ?, ?, ?) ON CONFLICT (collection, id) DO UPDATE SET body = excluded.body, updated_at_ms = excluded.updated_at_ms',
    );
    this.upsertSecret = db.prepare('INSERT INTO device_secrets (device_id, hash) VALUES (?, ?) ON CONFLICT (device_id) DO UPDATE SET hash = excluded.hash');
    this.deleteEntry = db.prepare('DELETE FROM registry WHERE collection = ? AND id = ?');
    this.deleteSecret = db.prepare('DELETE FROM device_secrets WHERE device_id = ?');
    this.upsertProof = db.prepare(
      'INSERT INTO secret_proofs (bucket, proof, hashes_digest, members) VALUES (?, ?, ?, ?) ON CONFLICT (bucket) DO UPDATE SET proof = excluded.proof, hashes_digest = excluded.hashes_digest, members = excluded.members',
    );
  }

  loadAll(): Promise<RegistryContents> {
    return settle(() => {
      const rows = this.db.prepare('SELECT collection, id, body FROM registry ORDER BY rowid').all() as { collection: CollectionName; id: string; body: string }[];
      const secrets = this.db.prepare('SELECT device_id, hash FROM device_secrets').all() as { device_id: string; hash: string }[];
      return {
        entries: rows.map((row) => ({ collection: row.collection, entry: JSON.parse(row.body) as { id: string } })),
        secretHashes: new Map(secrets.map((row) => [row.device_id, row.hash])),
      };
    });
  }

  loadProofs(): Promise<Map<number, ProofRow>> {
    return settle(() => {
      const rows = this.db.prepare('SELECT bucket, proof, hashes_digest, members FROM secret_proofs').all() as { bucket: number; proof: string; hashes_digest: string; members: string | null }[];
      return new Map(rows.map((r) => [r.bucket, proofOf(r)]));
    });
  }

  write(change: RegistryChange, atMs: number, alongside?: RegistrySideWrites): Promise<RegistrySideResults> {
    return settle(() =>
      this.db.transaction(() => {
        for (const { collection, id } of change.deletes) {
          this.deleteEntry.run(collection, id);
          if (collection === 'devices') this.deleteSecret.run(id);
        }
        for (const { collection, entry, secretHash } of change.upserts) {
          this.upsertEntry.run(collection, entry.id, JSON.stringify(entry), atMs);
          if (secretHash !== undefined) this.upsertSecret.run(entry.id, secretHash);
        }
        for (const p of change.proofs ?? []) this.upsertProof.run(p.bucket, p.proof, p.hashesDigest, p.members === undefined ? null : JSON.stringify([...p.members]));
        return alongside === undefined ? {} : writeSideRecords(this.db, alongside, atMs);
      })(),
    );
  }
}

/** The registry over the embedded SQLite store, as the gateway opens it. */
export function openSqliteRegistry(db: SqliteDatabase, options: RegistryOptions): Promise<CachedRegistry> {
  return CachedRegistry.open(new SqliteRegistryStore(db), options);
}
