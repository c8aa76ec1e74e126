import type { SqliteDatabase } from '../store/sqlite-database.js';
import { DRILL_DEDUP_PREFIX } from '../alerts/drill-marker.js';

/** The rule engine's saved state of one resident (see safety-rules.ts). */
const RULE_STATE_PREFIX = 'safety:subject:';

const MONTH_OF_MS = "strftime('%Y-%m', ? / 1000, 'unixepoch')";

/**
 * Erases a departing resident's rows, inside the caller's transaction: their alerts become
 * anonymous counts (drills are not counted) and go, with their pages and 120 handoffs; their
 * bracelets' readings, events, status and rejections go; drills that named them keep the drill
 * but not the name. Returns how many alerts were counted and how many readings removed.
 */
export function eraseResidentRows(db: SqliteDatabase, input: { residentId: string; grid: string; devices: readonly string[]; atMs: number }): { alerts: number; readings: number } {
  const { residentId, devices } = input;
  const alerts = (db.prepare('SELECT COUNT(*) AS n FROM alerts WHERE subject = ? AND substr(dedup_key, 1, ?) <> ?').get(residentId, DRILL_DEDUP_PREFIX.length, DRILL_DEDUP_PREFIX) as { n: number }).n;
  db
    .prepare(
      `INSERT INTO departed_alert_counts (month, grid, kind, severity, count)
       SELECT strftime('%Y-%m', created_at_ms / 1000, 'unixepoch'), grid, kind, severity, COUNT(*) FROM alerts
       WHERE subject = ? AND substr(dedup_key, 1, ?) <> ? GROUP BY 1, 2, 3, 4
       ON CONFLICT (month, grid, kind, severity) DO UPDATE SET count = count + excluded.count`,
    )
    .run(residentId, DRILL_DEDUP_PREFIX.length, DRILL_DEDUP_PREFIX);
  db.prepare(`INSERT INTO departures (month, grid, count) VALUES (${MONTH_OF_MS}, ?, 1) ON CONFLICT (month, grid) DO UPDATE SET count = count + 1`).run(input.atMs, input.grid);
  db.prepare('DELETE FROM page_jobs WHERE alert_id IN (SELECT id FROM alerts WHERE subject = ?)').run(residentId);
  db.prepare('DELETE FROM dispatch120_handoffs WHERE alert_id IN (SELECT id FROM alerts WHERE subject = ?)').run(residentId);
  db.prepare('DELETE FROM alerts WHERE subject = ?').run(residentId);
  db.prepare("UPDATE drills SET body = json_set(body, '$.resident', json('null')) WHERE json_extract(body, '$.resident') = ?").run(residentId);
  db.prepare('DELETE FROM rule_state WHERE name = ?').run(RULE_STATE_PREFIX + residentId);
  let readings = 0;
  for (const device of devices) {
    readings += (db.prepare('SELECT COALESCE(SUM(count), 0) AS n FROM reading_chunks WHERE device_id = ?').get(device) as { n: number }).n;
    for (const table of ['reading_chunks', 'device_events', 'device_status', 'device_rejections']) db.prepare(`DELETE FROM ${table} WHERE device_id = ?`).run(device);
  }
  return { alerts, readings };
}

export interface DepartureCounts {
  departures: { month: string; grid: string; count: number }[];
  alerts: { month: string; grid: string; kind: string; severity: string; count: number }[];
}

/** What stays of residents who left: how many left, and their alerts, per month (UTC) and grid. */
export function departureCounts(db: SqliteDatabase): DepartureCounts {
  return {
    departures: db.prepare('SELECT month, grid, count FROM departures ORDER BY month, grid').all() as DepartureCounts['departures'],
    alerts: db.prepare('SELECT month, grid, kind, severity, count FROM departed_alert_counts ORDER BY month, grid, kind, severity').all() as DepartureCounts['alerts'],
  };
}
