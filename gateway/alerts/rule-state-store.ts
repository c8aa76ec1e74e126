import type { SqliteDatabase } from '../store/sqlite-database.js';

/** Snapshots of the rule engines' state, by engine name, so windows survive a restart. */
export class RuleStateStore {
  constructor(private readonly db: SqliteDatabase) {}

  save(name: string, state: unknown, atMs: number): void {
    this.db
      .prepare('INSERT INTO rule_state (name, body, saved_at_ms) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET body = excluded.body, saved_at_ms = excluded.saved_at_ms')
      .run(name, JSON.stringify(state), atMs);
  }

  load(name: string): unknown {
    const row = this.db.prepare('SELECT body FROM rule_state WHERE name = ?').get(name) as { body: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.body) as unknown);
  }
}
