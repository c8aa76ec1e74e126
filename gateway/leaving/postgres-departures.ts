import type { PostgresPool } from '../store/postgres-database.js';
import type { DepartureCounts, Departures } from './departures.js';

/** Tables `departures` and `departed_alert_counts` in PostgreSQL. */
export class PostgresDepartures implements Departures {
  constructor(private readonly pool: PostgresPool) {}

  async counts(): Promise<DepartureCounts> {
    const departures = await this.pool.query<{ month: string; grid: string; count: string }>('SELECT month, grid, count FROM departures ORDER BY month COLLATE "C", grid COLLATE "C"');
    const alerts = await this.pool.query<{ month: string; grid: string; kind: string; severity: string; count: string }>(
      'SELECT month, grid, kind, severity, count FROM departed_alert_counts ORDER BY month COLLATE "C", grid COLLATE "C", kind COLLATE "C", severity COLLATE "C"',
    );
    return {
      departures: departures.rows.map((r) => ({ ...r, count: Number(r.count) })),
      alerts: alerts.rows.map((r) => ({ ...r, count: Number(r.count) })),
    };
  }
}
