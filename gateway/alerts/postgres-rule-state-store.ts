import type { PostgresPool } from '../store/postgres-database.js';
import { InOrder } from '../store/in-order.js';
import type { RuleStateStore } from './rule-state-store.js';

const UPSERT = `INSERT INTO rule_state (name, body, saved_at_ms) SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
  ON CONFLICT (name) DO UPDATE SET body = excluded.body, saved_at_ms = excluded.saved_at_ms`;

/**
 * Table `rule_state` in PostgreSQL: one JSON body per name, kept as the text saved (key order
 * included). Calls run in the order they were made, reads after the writes before them, as the
 * port promises: an engine saves, then raises the alerts its saved state accounts for.
 */
export class PostgresRuleStateStore implements RuleStateStore {
  private readonly inOrder = new InOrder();

  constructor(private readonly pool: PostgresPool) {}

  save(name: string, state: unknown, atMs: number): Promise<void> {
    return this.saveMany([[name, state]], atMs);
  }

  /** One statement: all or none. A name given twice keeps its last state. */
  saveMany(entries: readonly (readonly [name: string, state: unknown])[], atMs: number): Promise<void> {
    const last = new Map(entries.map(([name, state]) => [name, JSON.stringify(state)]));
    if (last.size === 0) return this.inOrder.run(async () => undefined);
    return this.inOrder.run(async () => {
      await this.pool.query(UPSERT, [[...last.keys()], [...last.values()], [...last.keys()].map(() => atMs)]);
    });
  }

  loadPrefixed(prefix: string): Promise<Map<string, unknown>> {
    return this.inOrder.run(async () => {
      const { rows } = await this.pool.query<{ name: string; body: string }>('SELECT name, body FROM rule_state WHERE starts_with(name, $1)', [prefix]);
      return new Map(rows.map((r) => [r.name.slice(prefix.length), JSON.parse(r.body) as unknown]));
    });
  }

  delete(name: string): Promise<void> {
    return this.inOrder.run(async () => {
      await this.pool.query('DELETE FROM rule_state WHERE name = $1', [name]);
    });
  }

  load(name: string): Promise<unknown> {
    return this.inOrder.run(async () => {
      const { rows } = await this.pool.query<{ body: string }>('SELECT body FROM rule_state WHERE name = $1', [name]);
      return rows[0] === undefined ? undefined : (JSON.parse(rows[0].body) as unknown);
    });
  }

  loadMany(names: readonly string[]): Promise<Map<string, unknown>> {
    return this.inOrder.run(async () => {
      const { rows } = await this.pool.query<{ name: string; body: string }>('SELECT name, body FROM rule_state WHERE name = ANY($1::text[])', [names]);
      return new Map(rows.map((r) => [r.name, JSON.parse(r.body) as unknown]));
    });
  }
}
