import type { Logger } from 'pino';
import type { PostgresPool } from './postgres-database.js';

export interface PostgresReachability {
  /** Whether the last check reached the database; `/readyz` reads it without waiting. */
  reachable(): boolean;
  stop(): void;
}

/**
 * Asks PostgreSQL `SELECT 1` every `everyMs`, one question at a time, and remembers the answer:
 * readiness must answer at once even while the database is away and connections time out.
 */
export function watchPostgres(pool: PostgresPool, everyMs: number, log: Logger): PostgresReachability {
  let reachable = true;
  let asking = false;
  const check = async (): Promise<void> => {
    if (asking) return;
    asking = true;
    try {
      await pool.query('SELECT 1');
      if (!reachable) log.info('PostgreSQL is reachable again');
      reachable = true;
    } catch (err) {
      if (reachable) log.error({ err }, 'PostgreSQL is not reachable; not ready until it answers');
      reachable = false;
    } finally {
      asking = false;
    }
  };
  const timer = setInterval(() => void check(), everyMs);
  timer.unref();
  return {
    reachable: () => reachable,
    stop: () => clearInterval(timer),
  };
}
