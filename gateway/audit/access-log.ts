import type { SqliteDatabase } from '../store/sqlite-database.js';
import type { Ground } from '../sharing/sharing-policy.js';

/**
 * What was read or sent of a resident's data: a sharing category, or `profile` (name, address,
 * that an alert exists) when no category was disclosed.
 */
export type AccessCategory = 'profile' | 'location' | 'vitals' | 'activity' | 'conditions';

/** One read of a resident's data through the API, or one page sent about them. */
export interface AccessEntry {
  atMs: number;
  /** The token's subject (a worker, doctor or family contact id), `admin`, or the paged person's id. */
  actor: string;
  role: string;
  resident: string;
  category: AccessCategory;
  /** e.g. `read_alerts`, `read_alert`, `read_readings`, `read_vitals`, `read_sharing`, `page`. */
  action: string;
  ground: Ground;
}

export interface AccessQuery {
  resident?: string;
  actor?: string;
  sinceMs?: number;
  untilMs?: number;
  limit: number;
}

interface Row {
  at_ms: number;
  actor: string;
  role: string;
  resident_id: string;
  category: AccessCategory;
  action: string;
  ground: Ground;
}

/** The access log (PIPL art. 55-style record of processing): append-only, read newest first. */
export interface AccessLog {
  /** Records entries in one write; the same (resident, category, ground, actor, action) twice in a call is kept once. */
  record(entries: readonly AccessEntry[]): Promise<void>;
  /** Newest first (by order of recording), up to q.limit. */
  query(q: AccessQuery): Promise<AccessEntry[]>;
}

/** Table `access_log`: nothing here updates or deletes a row, and the store's triggers refuse it to anyone else. */
export class SqliteAccessLog implements AccessLog {
  private readonly insertStmt;

  constructor(private readonly db: SqliteDatabase) {
    this.insertStmt = db.prepare('INSERT INTO access_log (at_ms, actor, role, resident_id, category, action, ground) VALUES (?, ?, ?, ?, ?, ?, ?)');
  }

  async record(entries: readonly AccessEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const seen = new Set<string>();
    this.db.transaction(() => {
      for (const e of entries) {
        const key = `${e.resident}\u0000${e.category}\u0000${e.ground}\u0000${e.actor}\u0000${e.action}`;
        if (seen.has(key)) continue;
        seen.add(key);
        this.insertStmt.run(e.atMs, e.actor, e.role, e.resident, e.category, e.action, e.ground);
      }
    })();
  }

  async query(q: AccessQuery): Promise<AccessEntry[]> {
    const filters: [string, string | number | undefined][] = [
      ['resident_id = ?', q.resident],
      ['actor = ?', q.actor],
      ['at_ms >= ?', q.sinceMs],
      ['at_ms < ?', q.untilMs],
    ];
    const used = filters.filter(([, value]) => value !== undefined);
    const where = used.map(([clause]) => clause);
    const args = used.map(([, value]) => value!);
    const sql = `SELECT at_ms, actor, role, resident_id, category, action, ground FROM access_log ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, q.limit) as Row[]).map((r) => ({
      atMs: r.at_ms,
      actor: r.actor,
      role: r.role,
      resident: r.resident_id,
      category: r.category,
      action: r.action,
      ground: r.ground,
    }));
  }
}
