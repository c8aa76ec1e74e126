import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres, type PostgresPool } from '../../gateway/store/postgres-database.js';
import { listenTo } from '../../gateway/store/postgres-listener.js';
import { PostgresServer, postgresAvailable } from '../helpers/postgres-server.js';
import { waitFor } from '../helpers/wait-for.js';

// The followers of one gateway (alerts, inbox, index, Node-RED's flows) listen on one pooled
// connection, on a real PostgreSQL; a dropped connection is made again and each is told.
describe.skipIf(!postgresAvailable())('listening on one connection', () => {
  const server = new PostgresServer();
  let pool: PostgresPool;
  let admin: PostgresPool;

  beforeAll(async () => {
    await server.start();
    const url = await server.createDatabase('listening');
    pool = openPostgres(url);
    admin = openPostgres(url);
  }, 120_000);
  afterAll(async () => {
    await pool?.end();
    await admin?.end();
    await server.stop();
  });

  /** Backends of the gateway's pool whose last statement was a LISTEN. */
  const listeningBackends = async (): Promise<number[]> =>
    (await admin.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %' AND pid <> pg_backend_pid()")).rows.map((r) => r.pid);

  it('hears every channel on one connection, connects again when it is cut, and tells each listener to catch up', async () => {
    const heard = { alerts: [] as string[], inbox: [] as string[] };
    const caughtUp = { alerts: 0, inbox: 0 };
    const log = pino({ level: 'silent' });
    const alerts = listenTo(pool, 'alert_changed', { heard: (p) => heard.alerts.push(p), listening: async () => void caughtUp.alerts++ }, log, 100);
    const inbox = listenTo(pool, 'evaluation_inbox', { heard: (p) => heard.inbox.push(p), listening: async () => void caughtUp.inbox++ }, log, 100);
    try {
      await waitFor('both listening', () => caughtUp.alerts === 1 && caughtUp.inbox === 1, 30_000);
      expect(await listeningBackends()).toHaveLength(1);
      await admin.query("SELECT pg_notify('alert_changed', 'a-1'), pg_notify('evaluation_inbox', '7')");
      await waitFor('both heard', () => heard.alerts.includes('a-1') && heard.inbox.includes('7'), 30_000);

      // The connection is cut (a restart, a proxy's timeout): a new one, and both catch up.
      const [pid] = await listeningBackends();
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      await waitFor('both listening again', () => caughtUp.alerts === 2 && caughtUp.inbox === 2, 30_000);
      await admin.query("SELECT pg_notify('alert_changed', 'a-2'), pg_notify('evaluation_inbox', '8')");
      await waitFor('both heard after the cut', () => heard.alerts.includes('a-2') && heard.inbox.includes('8'), 30_000);

      // One stops listening; the other still hears its channel.
      await alerts.close();
      await admin.query("SELECT pg_notify('alert_changed', 'a-3'), pg_notify('evaluation_inbox', '9')");
      await waitFor('the inbox heard', () => heard.inbox.includes('9'), 30_000);
      expect(heard.alerts).not.toContain('a-3');
    } finally {
      await alerts.close();
      await inbox.close();
    }
    // Both closed: the connection went back to the pool without listening.
    await waitFor('nothing listening', async () => (await listeningBackends()).length === 0 || undefined, 30_000);
  }, 120_000);
});
