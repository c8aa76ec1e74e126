import type { PostgresPool } from '../store/postgres-database.js';
import type { AccessEntry, AccessLog, AccessQuery } from './access-log.js';

/** Table `access_log` in PostgreSQL: append-only (a trigger refuses updates and deletes), read newest first. */
export class PostgresAccessLog implements AccessLog {
  constructor(private readonly pool: PostgresPool) {}

  /** One statement; the same (resident, category, ground, actor, action) twice in a call is kept once. */
  async record(entries: readonly AccessEntry[]): Promise<void> {
    const kept = new Map<string, AccessEntry>();
    for (const e of entries) {
      const key = `${e.resident}\u0000${e.category}\u0000${e.ground}\u0000${e.actor}\u0000${e.action}`;
      if (!kept.has(key)) kept.set(key, e);
    }
    if (kept.size === 0) return;
    const rows = [...kept.values()];
    // WITH ORDINALITY keeps the call's order in the sequence numbers.
    await this.pool.query(
      `INSERT INTO access_log (at_ms, actor, role, resident_id, category, action, ground)
       SELECT at_ms, actor, role, resident_id, category, action, ground
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
         WITH ORDINALITY AS u(at_ms, actor, role, resident_id, category, action, ground, n) ORDER BY n`,
      [rows.map((r) => r.atMs), rows.map((r) => r.actor), rows.map((r) => r.role), rows.map((r) => r.resident), rows.map((r) => r.category), rows.map((r) => r.action), rows.map((r) => r.ground)],
    );
  }

  async query(q: AccessQuery): Promise<AccessEntry[]> {
    const filters: [string, string | number | undefined][] = [
      ['resident_id = ', q.resident],
      ['actor = ', q.actor],
      ['at_ms >= ', q.sinceMs],
      ['at_ms < ', q.untilMs],
    ];
    const used = filters.filter(([, value]) => value !== undefined);
    const where = used.map(([clause], i) => `${clause}$${i + 1}`);
    const args = [...used.map(([, value]) => value!), q.limit];
    const { rows } = await this.pool.query<{ at_ms: string; actor: string; role: string; resident_id: string; category: AccessEntry['category']; action: string; ground: AccessEntry['ground'] }>(
      `SELECT at_ms, actor, role, resident_id, category, action, ground FROM access_log ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT $${args.length}`,
      args,
    );
    return rows.map((r) => ({ atMs: Number(r.at_ms), actor: r.actor, role: r.role, resident: r.resident_id, category: r.category, action: r.action, ground: r.ground }));
  }
}
