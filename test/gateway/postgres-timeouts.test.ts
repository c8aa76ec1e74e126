import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres } from '../../gateway/store/postgres-database.js';
import { PostgresServer, postgresAvailable } from '../helpers/postgres-server.js';

// A server that stops answering must not hold the gateway's writes forever: the alert service's
// changes run one at a time, so one hung query would hold up every alert behind it.
describe.skipIf(!postgresAvailable())('PostgreSQL queries that get no answer', () => {
  const server = new PostgresServer();
  beforeAll(() => server.start(), 120_000);
  afterAll(() => server.stop());

  it('fail after the query timeout, and the pool goes on serving', async () => {
    const pool = openPostgres(server.url(), { queryTimeoutMs: 500 });
    try {
      const startedAt = performance.now();
      await expect(pool.query('SELECT pg_sleep(30)')).rejects.toThrow(/timeout|cancel/i);
      expect(performance.now() - startedAt).toBeLessThan(20_000);
      expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await pool.end();
    }
  }, 60_000);
});
