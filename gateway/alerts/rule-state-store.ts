import type { SqliteDatabase } from '../store/sqlite-database.js';
import { settle } from '../store/settle.js';

/**
 * Snapshots of the rule engines' state, by engine name, so windows survive a restart. A write is
 * issued when the method is called, and writes are kept in the order they were issued: an engine
 * saves, then raises the alerts the saved state accounts for once the save has resolved.
 */
/** One named entry of rule state. */
export type StateEntry = readonly [name: string, state: unknown];

export interface RuleStateStore {
  /** Replaces the entry of this name. */
  save(name: string, state: unknown, atMs: number): Promise<void>;
  /** Several entries, all or none. */
  saveMany(entries: readonly (readonly [name: string, state: unknown])[], atMs: number): Promise<void>;
  /** Every entry whose name starts with the prefix, by the rest of the name. */
  loadPrefixed(prefix: string): Promise<Map<string, unknown>>;
  delete(name: string): Promise<void>;
  /** The entry as saved (plain JSON data), or undefined. */
  load(name: string): Promise<unknown>;
  /** The entries of these names that exist, by name. */
  loadMany(names: readonly string[]): Promise<Map<string, unknown>>;
}

/**
 * Table `rule_state`: one JSON body per name. Each method does its work synchronously, inside the
 * call, and answers with a settled promise: the embedded path costs no more than a direct write.
 */
export class SqliteRuleStateStore implements RuleStateStore {
  /** Prepared once: saves run after every rule outcome, on the way to a page. */
  private readonly upsert;

  constructor(private readonly db: SqliteDatabase) {
    this.upsert = db.prepare(
      'INSERT INTO rule_state (name, body, saved_at_ms) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET body = excluded.body, saved_at_ms = excluded.saved_at_ms',
    );
  }

  save(name: string, state: unknown, atMs: number): Promise<void> {
    return settle(() => {
      this.upsert.run(name, JSON.stringify(state), atMs);
    });
  }

  /** Several entries in one transaction. */
  saveMany(entries: readonly (readonly [name: string, state: unknown])[], atMs: number): Promise<void> {
    return settle(() => {
      this.db.transaction(() => {
        for (const [name, state] of entries) this.upsert.run(name, JSON.stringify(state), atMs);
      })();
    });
  }

  /** Every entry whose name starts with the prefix, by the rest of the name. */
  loadPrefixed(prefix: string): Promise<Map<string, unknown>> {
    return settle(() => {
      const rows = this.db.prepare('SELECT name, body FROM rule_state WHERE substr(name, 1, ?) = ?').all(prefix.length, prefix) as { name: string; body: string }[];
      return new Map(rows.map((r) => [r.name.slice(prefix.length), JSON.parse(r.body) as unknown]));
    });
  }

  delete(name: string): Promise<void> {
    return settle(() => {
      this.db.prepare('DELETE FROM rule_state WHERE name = ?').run(name);
    });
  }

  load(name: string): Promise<unknown> {
    return settle(() => {
      const row = this.db.prepare('SELECT body FROM rule_state WHERE name = ?').get(name) as { body: string } | undefined;
      return row === undefined ? undefined : (JSON.parse(row.body) as unknown);
    });
  }

  loadMany(names: readonly string[]): Promise<Map<string, unknown>> {
    return settle(() => {
      const rows = this.db.prepare('SELECT name, body FROM rule_state WHERE name IN (SELECT value FROM json_each(?))').all(JSON.stringify(names)) as { name: string; body: string }[];
      return new Map(rows.map((r) => [r.name, JSON.parse(r.body) as unknown]));
    });
  }
}
