import type { Logger } from 'pino';
import type { PostgresPool } from '../store/postgres-database.js';
import { listenTo } from '../store/postgres-listener.js';
import type { SharedFlowStore, StoredFlows } from './shared-flows.js';

/** The community's Node-RED flows in PostgreSQL (table node_red_flows); a save is heard by every gateway (NOTIFY node_red_flows). */
export class PostgresFlowStore implements SharedFlowStore {
  constructor(private readonly pool: PostgresPool) {}

  async load(): Promise<StoredFlows | undefined> {
    const { rows } = await this.pool.query<{ flows: string; credentials: string | null; revision: string; updated_by: string }>(
      'SELECT flows, credentials, revision, updated_by FROM node_red_flows WHERE id = 1',
    );
    const row = rows[0];
    return row === undefined ? undefined : { flows: row.flows, credentials: row.credentials, revision: Number(row.revision), by: row.updated_by };
  }

  async save(flows: string, credentials: string | null, by: string): Promise<number> {
    const { rows } = await this.pool.query<{ revision: string }>(
      `WITH saved AS (
         INSERT INTO node_red_flows (id, flows, credentials, revision, updated_by) VALUES (1, $1, $2, 1, $3)
         ON CONFLICT (id) DO UPDATE SET flows = excluded.flows, credentials = excluded.credentials, revision = node_red_flows.revision + 1,
           updated_by = excluded.updated_by, updated_at = now()
         RETURNING revision)
       SELECT revision, pg_notify('node_red_flows', revision::text || ' ' || $3) FROM saved`,
      [flows, credentials, by],
    );
    return Number(rows[0]!.revision);
  }

  follow(heard: (revision: number, by: string) => void, log: Logger): { close(): Promise<void> } {
    return listenTo(
      this.pool,
      'node_red_flows',
      {
        heard: (payload) => {
          const space = payload.indexOf(' ');
          heard(Number(payload.slice(0, space)), payload.slice(space + 1));
        },
        // What was saved while not listening is looked for as if heard.
        listening: async () => heard(Number.NaN, ''),
      },
      log,
    );
  }
}
