import type { SqliteDatabase } from '../store/sqlite-database.js';
import { settle } from '../store/settle.js';

export interface DepartureCounts {
  departures: { month: string; grid: string; count: number }[];
  alerts: { month: string; grid: string; kind: string; severity: string; count: number }[];
}

/**
 * What stays of residents who left: how many left, and their alerts, per month (UTC) and grid.
 * Counted by the registry's store in the departure's own transaction (`departure` of its side writes).
 */
export interface Departures {
  counts(): Promise<DepartureCounts>;
}

/** Tables `departures` and `departed_alert_counts` of the embedded store. */
export class SqliteDepartures implements Departures {
  constructor(private readonly db: SqliteDatabase) {}

  counts(): Promise<DepartureCounts> {
    return settle(() => ({
      departures: this.db.prepare('SELECT month, grid, count FROM departures ORDER BY month, grid').all() as DepartureCounts['departures'],
      alerts: this.db.prepare('SELECT month, grid, kind, severity, count FROM departed_alert_counts ORDER BY month, grid, kind, severity').all() as DepartureCounts['alerts'],
    }));
  }
}
