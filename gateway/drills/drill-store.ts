import type { DispatchState } from '../../rules/aed/index.js';
import type { SqliteDatabase } from '../store/sqlite-database.js';

export const DRILL_SCENARIOS = ['fall', 'sos', 'aed_opened'] as const;
export type DrillScenario = (typeof DRILL_SCENARIOS)[number];

/** One drill as started (CONTRACT.md §6 "Drills"), and how it ended. */
export interface Drill {
  id: string;
  grid: string;
  scenario: DrillScenario;
  at: { lat: number; lon: number };
  resident: string | null;
  /** The cabinet an `aed_opened` drill plays at (the nearest usable one), if any. */
  aed: string | null;
  /** Who started it: a worker id, or `admin`. */
  startedBy: string;
  startedAtMs: number;
  alertId: string | null;
  /** A fall drill's alert waits out the fall's cancel window, as a real fall's does: raised at this time. */
  raiseAtMs?: number;
  endedAtMs: number | null;
  endReason: 'resolved' | 'time_up' | null;
  /** The responder dispatch as it last stood (the live one is dropped when the alert closes). */
  dispatch: DispatchState | null;
}

/** Drills and each person's ack: a report survives a restart. */
export interface DrillStore {
  /** Inserts the drill or replaces it whole (by id). */
  save(drill: Drill): Promise<void>;
  get(id: string): Promise<Drill | undefined>;
  /** Newest first (by start, then id); `grids` undefined means every grid. */
  list(grids: readonly string[] | undefined, limit?: number): Promise<Drill[]>;
  /** The grid's drill started last before this one. */
  previous(drill: Pick<Drill, 'id' | 'grid' | 'startedAtMs'>): Promise<Drill | undefined>;
  /** Drills not ended, oldest first. */
  running(): Promise<Drill[]>;
  /** Each person's first ack of a drill; later ones by the same person are ignored. */
  recordAck(drillId: string, person: string, atMs: number): Promise<void>;
  /** Acks by time, then person. */
  acks(drillId: string): Promise<{ person: string; atMs: number }[]>;
}

/** Tables `drills` and `drill_acks` (migration 7). */
export class SqliteDrillStore implements DrillStore {
  private readonly upsert;
  private readonly ackInsert;

  constructor(private readonly db: SqliteDatabase) {
    this.upsert = db.prepare(
      `INSERT INTO drills (id, grid, started_at_ms, body) VALUES (@id, @grid, @startedAtMs, @body)
       ON CONFLICT (id) DO UPDATE SET body = excluded.body`,
    );
    this.ackInsert = db.prepare('INSERT OR IGNORE INTO drill_acks (drill_id, person, at_ms) VALUES (?, ?, ?)');
  }

  async save(drill: Drill): Promise<void> {
    this.upsert.run({ id: drill.id, grid: drill.grid, startedAtMs: drill.startedAtMs, body: JSON.stringify(drill) });
  }

  async get(id: string): Promise<Drill | undefined> {
    const row = this.db.prepare('SELECT body FROM drills WHERE id = ?').get(id) as { body: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.body) as Drill);
  }

  async list(grids: readonly string[] | undefined, limit = 100): Promise<Drill[]> {
    const rows =
      grids === undefined
        ? this.db.prepare('SELECT body FROM drills ORDER BY started_at_ms DESC, id DESC LIMIT ?').all(limit)
        : grids.length === 0
          ? []
          : this.db
              .prepare(`SELECT body FROM drills WHERE grid IN (${grids.map(() => '?').join(', ')}) ORDER BY started_at_ms DESC, id DESC LIMIT ?`)
              .all(...grids, limit);
    return (rows as { body: string }[]).map((r) => JSON.parse(r.body) as Drill);
  }

  async previous(drill: Pick<Drill, 'id' | 'grid' | 'startedAtMs'>): Promise<Drill | undefined> {
    const row = this.db
      .prepare('SELECT body FROM drills WHERE grid = ? AND (started_at_ms < ? OR (started_at_ms = ? AND id < ?)) ORDER BY started_at_ms DESC, id DESC LIMIT 1')
      .get(drill.grid, drill.startedAtMs, drill.startedAtMs, drill.id) as { body: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.body) as Drill);
  }

  async running(): Promise<Drill[]> {
    return (this.db.prepare("SELECT body FROM drills WHERE json_extract(body, '$.endedAtMs') IS NULL ORDER BY started_at_ms, id").all() as { body: string }[]).map(
      (r) => JSON.parse(r.body) as Drill,
    );
  }

  async recordAck(drillId: string, person: string, atMs: number): Promise<void> {
    this.ackInsert.run(drillId, person, atMs);
  }

  async acks(drillId: string): Promise<{ person: string; atMs: number }[]> {
    return (this.db.prepare('SELECT person, at_ms AS atMs FROM drill_acks WHERE drill_id = ? ORDER BY at_ms, person').all(drillId) as { person: string; atMs: number }[]);
  }
}
