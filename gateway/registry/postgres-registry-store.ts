import pino from 'pino';
import { inTransaction, type PostgresPool } from '../store/postgres-database.js';
import { listenTo } from '../store/postgres-listener.js';
import { CachedRegistry, type RegistryOptions } from './registry.js';
import { StaleRegistryCopy, type RegistryChange, type RegistryContents, type RegistrySideResults, type RegistrySideWrites, type RegistryStore } from './registry-store.js';
import type { CollectionName } from './schemas.js';
import { proofOf, type ProofRow } from './secret-proofs.js';
import { writeSideRecords } from './postgres-side-writes.js';

/**
 * The registry in PostgreSQL, shared by every instance: tables `registry` (one JSON body per
 * entry, in the order first written), `device_secrets` and `secret_proofs`, and the side records
 * written with a change (postgres-side-writes.ts), each write in one transaction. Every write
 * moves `registry_version` (its row lock puts the gateways' writes one after another) and marks
 * the rows it wrote or deleted with it, so a gateway reads what others changed since its copy,
 * and a write based on an older copy is refused.
 */
const CHANGED_CHANNEL = 'registry_changed';
const QUIET = pino({ level: 'silent' });

export class PostgresRegistryStore implements RegistryStore {
  /** The version this store last read or wrote. */
  private known: number | undefined;

  constructor(private readonly pool: PostgresPool) {}

  /** Read while holding the version: no write lands in between. */
  loadAll(): Promise<RegistryContents> {
    return inTransaction(this.pool, async (client) => {
      const version = await client.query<{ version: string }>('SELECT version FROM registry_version FOR SHARE');
      const entries = await client.query<{ collection: CollectionName; body: string }>('SELECT collection, body FROM registry ORDER BY seq');
      const secrets = await client.query<{ device_id: string; hash: string }>('SELECT device_id, hash FROM device_secrets');
      this.known = Number(version.rows[0]!.version);
      return {
        entries: entries.rows.map((row) => ({ collection: row.collection, entry: JSON.parse(row.body) as { id: string } })),
        secretHashes: new Map(secrets.rows.map((row) => [row.device_id, row.hash])),
      };
    });
  }

  /**
   * Hears the others' writes on the pool's listening connection (shared with the gateway's other
   * followers); when that connection is made again, `changed` is called too, for what was written
   * meanwhile. Its troubles are logged by the followers that share it; the registry also looks
   * every second in any case.
   */
  watch(changed: () => void): () => void {
    const listener = listenTo(this.pool, CHANGED_CHANNEL, { heard: () => changed(), listening: async () => changed() }, QUIET);
    return () => void listener.close();
  }

  async changesSince(): Promise<RegistryChange | undefined> {
    const { rows } = await this.pool.query<{ version: string }>('SELECT version FROM registry_version');
    if (Number(rows[0]!.version) === this.known) return undefined;
    // Read while holding the version: no write lands in between.
    return inTransaction(this.pool, async (client) => {
      const since = this.known ?? 0;
      const now = Number((await client.query<{ version: string }>('SELECT version FROM registry_version FOR SHARE')).rows[0]!.version);
      const deleted = await client.query<{ collection: CollectionName; id: string }>('SELECT collection, id FROM registry_deletions WHERE version > $1', [since]);
      const written = await client.query<{ collection: CollectionName; body: string; hash: string | null }>(
        `SELECT r.collection, r.body, s.hash FROM registry r LEFT JOIN device_secrets s ON r.collection = 'devices' AND s.device_id = r.id
         WHERE r.version > $1 ORDER BY r.seq`,
        [since],
      );
      this.known = now;
      return {
        deletes: deleted.rows,
        upserts: written.rows.map((row) => {
          const entry = JSON.parse(row.body) as { id: string };
          return row.hash === null ? { collection: row.collection, entry } : { collection: row.collection, entry, secretHash: row.hash };
        }),
      };
    });
  }

  async loadProofs(): Promise<Map<number, ProofRow>> {
    const { rows } = await this.pool.query<{ bucket: number; proof: string; hashes_digest: string; members: string | null }>('SELECT bucket, proof, hashes_digest, members FROM secret_proofs');
    return new Map(rows.map((r) => [r.bucket, proofOf(r)]));
  }

  /** A provision load's thousands of entries go in one statement per table, not one round trip each. */
  async write(change: RegistryChange, atMs: number, alongside?: RegistrySideWrites): Promise<RegistrySideResults> {
    let version = 0;
    const written = await inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ version: string }>('UPDATE registry_version SET version = version + 1 RETURNING version');
      version = Number(rows[0]!.version);
      // Heard by the other gateways' `watch` once this commits.
      await client.query(`SELECT pg_notify('${CHANGED_CHANNEL}', '')`);
      if (version !== (this.known ?? 0) + 1) throw new StaleRegistryCopy(`the registry moved to version ${version - 1} since this copy read version ${this.known}`);
      if (change.deletes.length > 0) {
        const deletes = change.deletes;
        const keys = [deletes.map((d) => d.collection), deletes.map((d) => d.id)];
        await client.query('DELETE FROM registry WHERE (collection, id) IN (SELECT * FROM unnest($1::text[], $2::text[]))', keys);
        await client.query(
          'INSERT INTO registry_deletions (collection, id, version) SELECT *, $3::bigint FROM unnest($1::text[], $2::text[]) ON CONFLICT (collection, id) DO UPDATE SET version = excluded.version',
          [...keys, version],
        );
        const devices = deletes.filter((d) => d.collection === 'devices').map((d) => d.id);
        if (devices.length > 0) await client.query('DELETE FROM device_secrets WHERE device_id = ANY($1::text[])', [devices]);
      }
      // One row per key in a statement (PostgreSQL refuses to update a row twice in one): the last wins.
      const upserts = [...new Map(change.upserts.map((u) => [`${u.collection}/${u.entry.id}`, u])).values()];
      if (upserts.length > 0) {
        await client.query(
          `INSERT INTO registry (collection, id, body, updated_at_ms, version)
           SELECT collection, id, body, $4::bigint, $5::bigint FROM unnest($1::text[], $2::text[], $3::text[]) AS u (collection, id, body)
           ON CONFLICT (collection, id) DO UPDATE SET body = excluded.body, updated_at_ms = excluded.updated_at_ms, version = excluded.version`,
          [upserts.map((u) => u.collection), upserts.map((u) => u.entry.id), upserts.map((u) => JSON.stringify(u.entry)), atMs, version],
        );
      }
      const secrets = upserts.flatMap((u) => (u.secretHash === undefined ? [] : [{ id: u.entry.id, hash: u.secretHash }]));
      if (secrets.length > 0) {
        await client.query(
          'INSERT INTO device_secrets (device_id, hash, version) SELECT *, $3::bigint FROM unnest($1::text[], $2::text[]) ON CONFLICT (device_id) DO UPDATE SET hash = excluded.hash, version = excluded.version',
          [secrets.map((s) => s.id), secrets.map((s) => s.hash), version],
        );
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
    this.known = version;
    return written;
  }
}

export interface SharedRegistryOptions extends RegistryOptions {
  /** How often the copy looks for other gateways' writes; default 1000 ms. */
  followEveryMs?: number;
  /** A look that failed (the database away); the next one tries again. */
  onFollowError?: (err: unknown) => void;
}

/**
 * The registry over the shared PostgreSQL store (migrated: see migratePostgres), as a gateway
 * started with DATABASE_URL opens it: its copy follows the other gateways' writes until close().
 */
export async function openPostgresRegistry(pool: PostgresPool, options: SharedRegistryOptions): Promise<CachedRegistry> {
  const registry = await CachedRegistry.open(new PostgresRegistryStore(pool), options);
  registry.follow(options.followEveryMs ?? 1_000, options.onFollowError ?? (() => undefined));
  return registry;
}
