import type { PostgresPool } from '../store/postgres-database.js';
import type { Drill, DrillStore } from './drill-store.js';

const bodies = (rows: { body: string }[]): Drill[] => rows.map((r) => JSON.parse(r.body) as Drill);

/** Tables `drills` and `drill_acks` in PostgreSQL: the drill whole as JSON text, each person's first ack. */
export class PostgresDrillStore implements DrillStore {
  constructor(private readonly pool: PostgresPool) {}

  async save(drill: Drill): Promise<void> {
    await this.pool.query('INSERT INTO drills (id, grid, started_at_ms, body) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO UPDATE SET body = excluded.body', [
      drill.id,
      drill.grid,
      drill.startedAtMs,
      JSON.stringify(drill),
    ]);
  }

  async get(id: string): Promise<Drill | undefined> {
    return bodies((await this.pool.query<{ body: string }>('SELECT body FROM drills WHERE id = $1', [id])).rows)[0];
  }

  async list(grids: readonly string[] | undefined, limit = 100): Promise<Drill[]> {
    const { rows } =
      grids === undefined
        ? await this.pool.query<{ body: string }>('SELECT body FROM drills ORDER BY started_at_ms DESC, id DESC LIMIT $1', [limit])
        : await this.pool.query<{ body: string }>('SELECT body FROM drills WHERE grid = ANY($1::text[]) ORDER BY started_at_ms DESC, id DESC LIMIT $2', [[...grids], limit]);
    return bodies(rows);
  }

  async previous(drill: Pick<Drill, 'id' | 'grid' | 'startedAtMs'>): Promise<Drill | undefined> {
    const { rows } = await this.pool.query<{ body: string }>(
      'SELECT body FROM drills WHERE grid = $1 AND (started_at_ms < $2 OR (started_at_ms = $2 AND id < $3)) ORDER BY started_at_ms DESC, id DESC LIMIT 1',
      [drill.grid, drill.startedAtMs, drill.id],
    );
    return bodies(rows)[0];
  }

  async running(): Promise<Drill[]> {
    return bodies((await this.pool.query<{ body: string }>("SELECT body FROM drills WHERE (body::jsonb ->> 'endedAtMs') IS NULL ORDER BY started_at_ms, id")).rows);
  }

  async recordAck(drillId: string, person: string, atMs: number): Promise<void> {
    await this.pool.query('INSERT INTO drill_acks (drill_id, person, at_ms) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [drillId, person, atMs]);
  }

  async acks(drillId: string): Promise<{ person: string; atMs: number }[]> {
    const { rows } = await this.pool.query<{ person: string; at_ms: string }>('SELECT person, at_ms FROM drill_acks WHERE drill_id = $1 ORDER BY at_ms, person', [drillId]);
    return rows.map((r) => ({ person: r.person, atMs: Number(r.at_ms) }));
  }
}
