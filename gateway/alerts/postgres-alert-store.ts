import type { PoolClient } from 'pg';
import type { Alert } from '../../rules/safety/index.js';
import { postgresPageJobRows } from '../pager/postgres-page-jobs.js';
import { checkFence } from '../store/fence.js';
import { inTransaction, type PostgresPool } from '../store/postgres-database.js';
import { AlertConflict, dedupKeyOf, type AlertCommit, type AlertCommitResult, type AlertFilter, type AlertStore } from './alert-store.js';
import { DRILL_DEDUP_PREFIX } from './drill-marker.js';

const bodies = (rows: { body: string }[]): Alert[] => rows.map((r) => JSON.parse(r.body) as Alert);

/**
 * Alerts in PostgreSQL: the row's columns for queries, the whole alert (timeline included) as the
 * JSON text saved. `commit` writes the alert, its pages and the cancelled pages in one transaction.
 */
export class PostgresAlertStore implements AlertStore {
  constructor(private readonly pool: PostgresPool) {}

  commit(unit: AlertCommit): Promise<AlertCommitResult> {
    return inTransaction(this.pool, async (client) => {
      if (unit.fence !== undefined) await checkFence(client, unit.fence);
      if (unit.alert !== undefined) {
        if (unit.basedOn === undefined) await saveRow(client, unit.alert, unit.atMs);
        else await saveBasedOn(client, unit.alert, unit.basedOn, unit.atMs);
        // Heard by every gateway at the commit, in commit order (LISTEN alert_changed).
        await client.query("SELECT pg_notify('alert_changed', $1)", [unit.alert.id]);
      }
      const jobIds: number[] = [];
      for (const job of unit.jobs ?? []) jobIds.push(await postgresPageJobRows.insert(client, job, unit.atMs));
      const cancelled = unit.alert === undefined || unit.cancelPending === undefined ? 0 : await postgresPageJobRows.cancelPending(client, unit.alert.id, unit.cancelPending, unit.atMs);
      return { jobIds, cancelled };
    });
  }

  async save(alert: Alert, atMs: number): Promise<void> {
    await saveRow(this.pool, alert, atMs);
  }

  async get(id: string): Promise<Alert | undefined> {
    return bodies((await this.pool.query<{ body: string }>('SELECT body FROM alerts WHERE id = $1', [id])).rows)[0];
  }

  async listActive(): Promise<Alert[]> {
    return bodies((await this.pool.query<{ body: string }>("SELECT body FROM alerts WHERE state <> 'resolved'")).rows);
  }

  /** Newest first (created, then id). */
  async list(filter: AlertFilter): Promise<Alert[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    const arg = (value: unknown): string => {
      args.push(value);
      return `$${args.length}`;
    };
    if (filter.state !== undefined) where.push(`state = ANY(${arg([...filter.state])}::text[])`);
    if (filter.grids !== undefined) where.push(`grid = ANY(${arg([...filter.grids])}::text[])`);
    if (filter.kinds !== undefined) where.push(`kind = ANY(${arg([...filter.kinds])}::text[])`);
    if (filter.subject !== undefined) where.push(`subject = ${arg(filter.subject)}`);
    if (filter.sinceMs !== undefined) where.push(`updated_at_ms >= ${arg(filter.sinceMs)}`);
    const drills = filter.drills ?? 'exclude';
    if (drills !== 'include') where.push(`${drills === 'only' ? '' : 'NOT '}starts_with(dedup_key, ${arg(DRILL_DEDUP_PREFIX)})`);
    const sql = `SELECT body FROM alerts ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at_ms DESC, id DESC LIMIT ${arg(filter.limit ?? 200)}`;
    return bodies((await this.pool.query<{ body: string }>(sql, args)).rows);
  }
}

async function saveRow(db: PostgresPool | PoolClient, alert: Alert, atMs: number): Promise<void> {
  await db.query(
    `INSERT INTO alerts (id, kind, subject, grid, dedup_key, state, severity, created_at_ms, updated_at_ms, body)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (id) DO UPDATE SET state = excluded.state, severity = excluded.severity, updated_at_ms = excluded.updated_at_ms, body = excluded.body`,
    [alert.id, alert.kind, alert.subject, alert.grid, dedupKeyOf(alert), alert.state, alert.severity, alert.createdAt, atMs, JSON.stringify(alert)],
  );
}

/** Writes the alert only if the store still holds what the change was made from (AlertConflict if not). */
async function saveBasedOn(client: PoolClient, alert: Alert, basedOn: Alert | 'new', atMs: number): Promise<void> {
  if (basedOn === 'new') {
    // Another gateway's alert of the same key, still open, makes this one a conflict (alerts_one_active).
    const { rowCount } = await client.query(
      `INSERT INTO alerts (id, kind, subject, grid, dedup_key, state, severity, created_at_ms, updated_at_ms, body)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING`,
      [alert.id, alert.kind, alert.subject, alert.grid, dedupKeyOf(alert), alert.state, alert.severity, alert.createdAt, atMs, JSON.stringify(alert)],
    );
    if (rowCount !== 1) throw new AlertConflict(alert.id);
    return;
  }
  const { rowCount } = await client.query('UPDATE alerts SET state = $2, severity = $3, updated_at_ms = $4, body = $5 WHERE id = $1 AND body = $6', [
    alert.id,
    alert.state,
    alert.severity,
    atMs,
    JSON.stringify(alert),
    JSON.stringify(basedOn),
  ]);
  if (rowCount !== 1) throw new AlertConflict(alert.id);
}
