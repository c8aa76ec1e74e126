import { inTransaction, type PostgresPool } from '../store/postgres-database.js';
import { CachedRegistry, type RegistryOptions } from './registry.js';
import type { RegistryChange, RegistryContents, RegistrySideResults, RegistrySideWrites, RegistryStore } from './registry-store.js';
import type { CollectionName } from './schemas.js';
import { proofOf, type ProofRow } from './secret-proofs.js';
import { writeSideRecords } from './postgres-side-writes.js';

/**
 * The registry in PostgreSQL, shared by every instance: tables `registry` (one JSON body per
 * entry, in the order first written), `device_secrets` and `secret_proofs`, and the side records
 * written with a change (postgres-side-writes.ts), each write in one transaction.
 */
export class PostgresRegistryStore implements RegistryStore {
  constructor(private readonly pool: PostgresPool) {}

  async loadAll(): Promise<RegistryContents> {
    const entries = await this.pool.query<{ collection: CollectionName; body: string }>('SELECT collection, body FROM registry ORDER BY seq');
    const secrets = await this.pool.query<{ device_id: string; hash: string }>('SELECT device_id, hash FROM device_secrets');
    return {
      entries: entries.rows.map((row) => ({ collection: row.collection, entry: JSON.parse(row.body) as { id: string } })),
      secretHashes: new Map(secrets.rows.map((row) => [row.device_id, row.hash])),
    };
  }

  async loadProofs(): Promise<Map<number, ProofRow>> {
    const { rows } = await this.pool.query<{ bucket: number; proof: string; hashes_digest: string; members: string | null }>('SELECT bucket, proof, hashes_digest, members FROM secret_proofs');
    return new Map(rows.map((r) => [r.bucket, proofOf(r)]));
  }

  /** A provision load's thousands of entries go in one statement per table, not one round trip each. */
  write(change: RegistryChange, atMs: number, alongside?: RegistrySideWrites): Promise<RegistrySideResults> {
    return inTransaction(this.pool, async (client) => {
      if (change.deletes.length > 0) {
        const deletes = change.deletes;
        await client.query('DELETE FROM registry WHERE (collection, id) IN (SELECT * FROM unnest($1::text[], $2::text[]))', [deletes.map((d) => d.collection), deletes.map((d) => d.id)]);
        const devices = deletes.filter((d) => d.collection === 'devices').map((d) => d.id);
        if (devices.length > 0) await client.query('DELETE FROM device_secrets WHERE device_id = ANY($1::text[])', [devices]);
      }
      // One row per key in a statement (PostgreSQL refuses to update a row twice in one): the last wins.
      const upserts = [...new Map(change.upserts.map((u) => [`${u.collection}/${u.entry.id}`, u])).values()];
      if (upserts.length > 0) {
        await client.query(
          `INSERT INTO registry (collection, id, body, updated_at_ms) SELECT collection, id, body, $4::bigint FROM unnest($1::text[], $2::text[], $3::text[]) AS u (collection, id, body)
           ON CONFLICT (collection, id) DO UPDATE SET body = excluded.body, updated_at_ms = excluded.updated_at_ms`,
          [upserts.map((u) => u.collection), upserts.map((u) => u.entry.id), upserts.map((u) => JSON.stringify(u.entry)), atMs],
        );
      }
      const secrets = upserts.flatMap((u) => (u.secretHash === undefined ? [] : [{ id: u.entry.id, hash: u.secretHash }]));
      if (secrets.length > 0) {
        await client.query('INSERT INTO device_secrets (device_id, hash) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (device_id) DO UPDATE SET hash = excluded.hash', [
          secrets.map((s) => s.id),
          secrets.map((s) => s.hash),
        ]);
      }
      const proofs = [...new Map((change.proofs ?? []).map((p) => [p.bucket, p])).values()];
      if (proofs.length > 0) {
        await client.query(
          `INSERT INTO secret_proofs (bucket, proof, hashes_digest, members) SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[])
           ON CONFLICT (bucket) DO UPDATE SET proof = excluded.proof, hashes_digest = excluded.hashes_digest, members = excluded.members`,
          [proofs.map((p) => p.bucket), proofs.map((p) => p.proof), proofs.map((p) => p.hashesDigest), proofs.map((p) => (p.members === undefined ? null : JSON.stringify([...p.members])))],
        );
      }
      return alongside === undefined ? {} : writeSideRecords(client, alongside, atMs);
    });
  }
}

/** The registry over the shared PostgreSQL store (migrated: see migratePostgres), as a gateway started with DATABASE_URL opens it. */
export function openPostgresRegistry(pool: PostgresPool, options: RegistryOptions): Promise<CachedRegistry> {
  return CachedRegistry.open(new PostgresRegistryStore(pool), options);
}
