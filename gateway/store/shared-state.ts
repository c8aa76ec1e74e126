import type { Logger } from 'pino';
import { migratePostgres, openPostgres, type PostgresPool } from './postgres-database.js';
import { watchPostgres, type PostgresReachability } from './postgres-reachability.js';

export interface SharedState {
  pool: PostgresPool;
  reachability: PostgresReachability;
  close(): Promise<void>;
}

/** PostgreSQL at DATABASE_URL, its schema brought up to date (once, when several instances start together). */
export async function openSharedState(url: string, log: Logger): Promise<SharedState> {
  const pool = openPostgres(url, { onError: (err) => log.warn({ err }, 'an idle PostgreSQL connection failed; the pool replaces it') });
  const migrated = await migratePostgres(pool);
  log.info(migrated, migrated.applied > 0 ? 'PostgreSQL schema migrated' : 'PostgreSQL schema up to date');
  const reachability = watchPostgres(pool, 2_000, log);
  return {
    pool,
    reachability,
    async close() {
      reachability.stop();
      await pool.end();
    },
  };
}
