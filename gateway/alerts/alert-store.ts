import { alertKey, type Alert, type AlertKind, type AlertState } from '../../rules/safety/index.js';
import type { SqliteDatabase } from '../store/sqlite-database.js';
import { DRILL_DEDUP_PREFIX } from './drill-marker.js';

export interface AlertFilter {
  state?: readonly AlertState[];
  grids?: readonly string[];
  kinds?: readonly AlertKind[];
  subject?: string;
  sinceMs?: number;
  limit?: number;
  /** Drill alerts: left out unless asked for (`include`, or `only` the drills). */
  drills?: 'exclude' | 'include' | 'only';
}

/** An alert carrying a dedupKey; one alert per key is open at a time. */
export type KeyedAlert = Alert & { dedupKey?: string };

/**
 * At most one open or acked alert per key: (subject, kind) by default; finer where one subject can
 * have several independent conditions of a kind (each fault of an AED cabinet).
 */
export function dedupKeyOf(alert: KeyedAlert): string {
  return alert.dedupKey ?? alertKey(alert.subject, alert.kind);
}

/**
 * Where alerts are kept, each with its timeline. A saved alert replaces the earlier save of the same
 * id whole; the alert service only ever appends to a timeline, and the store gives back exactly
 * what was saved, timeline order included, after a restart too (test/contracts/alert-store).
 */
export interface AlertStore {
  save(alert: Alert, atMs: number): void;
  get(id: string): Alert | undefined;
  /** Every open or acked alert (the working set the service keeps in memory). */
  listActive(): Alert[];
  /** Newest first (created, then id); at most `limit` (default 200). */
  list(filter: AlertFilter): Alert[];
}

/** Alerts in SQLite: the row's columns for queries, the whole alert (with its timeline) as JSON. */
export class SqliteAlertStore implements AlertStore {
  private readonly upsert;
  private readonly byId;
  private readonly active;

  constructor(private readonly db: SqliteDatabase) {
    this.upsert = db.prepare(
      `INSERT INTO alerts (id, kind, subject, grid, dedup_key, state, severity, created_at_ms, updated_at_ms, body)
       VALUES (@id, @kind, @subject, @grid, @dedupKey, @state, @severity, @createdAt, @updatedAt, @body)
       ON CONFLICT (id) DO UPDATE SET state = excluded.state, severity = excluded.severity,
         updated_at_ms = excluded.updated_at_ms, body = excluded.body`,
    );
    this.byId = db.prepare('SELECT body FROM alerts WHERE id = ?');
    this.active = db.prepare("SELECT body FROM alerts WHERE state <> 'resolved'");
  }

  save(alert: Alert, atMs: number): void {
    this.upsert.run({
      id: alert.id,
      kind: alert.kind,
      subject: alert.subject,
      grid: alert.grid,
      dedupKey: dedupKeyOf(alert),
      state: alert.state,
      severity: alert.severity,
      createdAt: alert.createdAt,
      updatedAt: atMs,
      body: JSON.stringify(alert),
    });
  }

  get(id: string): Alert | undefined {
    const row = this.byId.get(id) as { body: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.body) as Alert);
  }

  /** Every open or acked alert (the working set the service keeps in memory). */
  listActive(): Alert[] {
    return (this.active.all() as { body: string }[]).map((r) => JSON.parse(r.body) as Alert);
  }

  /** Newest first. */
  list(filter: AlertFilter): Alert[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    const inList = (column: string, values: readonly string[] | undefined): void => {
      if (values === undefined) return;
      if (values.length === 0) where.push('0');
      else {
        where.push(`${column} IN (${values.map(() => '?').join(', ')})`);
        args.push(...values);
      }
    };
    inList('state', filter.state);
    inList('grid', filter.grids);
    inList('kind', filter.kinds);
    if (filter.subject !== undefined) {
      where.push('subject = ?');
      args.push(filter.subject);
    }
    if (filter.sinceMs !== undefined) {
      where.push('updated_at_ms >= ?');
      args.push(filter.sinceMs);
    }
    const drills = filter.drills ?? 'exclude';
    if (drills !== 'include') {
      where.push(drills === 'only' ? "substr(dedup_key, 1, ?) = ?" : "substr(dedup_key, 1, ?) <> ?");
      args.push(DRILL_DEDUP_PREFIX.length, DRILL_DEDUP_PREFIX);
    }
    const sql = `SELECT body FROM alerts ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at_ms DESC, id DESC LIMIT ?`;
    args.push(filter.limit ?? 200);
    return (this.db.prepare(sql).all(...args) as { body: string }[]).map((r) => JSON.parse(r.body) as Alert);
  }
}
