import type { PoolClient } from 'pg';
import { inTransaction, type PostgresPool } from '../store/postgres-database.js';
import type { NewPageJob, PageJob, PageJobStore, PageReason, PageRoute } from './page-jobs.js';

/** A pool, or one connection inside a transaction. */
type Queryable = PostgresPool | PoolClient;

interface Row {
  id: string;
  alert_id: string;
  step: number | null;
  reason: PageReason;
  role: string;
  routes: string;
  route_index: number;
  attempt: number;
  state: PageJob['state'];
  next_attempt_at_ms: string;
  created_at_ms: string;
  last_error: string | null;
}

const jobOf = (row: Row): PageJob => ({
  id: Number(row.id),
  alertId: row.alert_id,
  step: row.step,
  reason: row.reason,
  role: row.role,
  routes: JSON.parse(row.routes) as PageRoute[],
  routeIndex: row.route_index,
  attempt: row.attempt,
  state: row.state,
  nextAttemptAtMs: Number(row.next_attempt_at_ms),
  createdAtMs: Number(row.created_at_ms),
  lastError: row.last_error,
});

/** Table `page_jobs` in PostgreSQL, on a pool or inside another store's transaction (the alert store's commit). */
export const postgresPageJobRows = {
  async insert(db: Queryable, job: NewPageJob, nowMs: number): Promise<number> {
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO page_jobs (alert_id, step, reason, role, routes, state, next_attempt_at_ms, created_at_ms, updated_at_ms)
       VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $7) RETURNING id`,
      [job.alertId, job.step, job.reason, job.role, JSON.stringify(job.routes), job.nextAttemptAtMs, nowMs],
    );
    return Number(rows[0]!.id);
  },

  async cancelPending(db: Queryable, alertId: string, reasons: readonly PageReason[], nowMs: number): Promise<number> {
    if (reasons.length === 0) return 0;
    const { rowCount } = await db.query("UPDATE page_jobs SET state = 'cancelled', updated_at_ms = $1 WHERE alert_id = $2 AND state = 'pending' AND reason = ANY($3::text[])", [
      nowMs,
      alertId,
      [...reasons],
    ]);
    return rowCount ?? 0;
  },
};

/** The outbox of pages in PostgreSQL, shared by the instances. */
export class PostgresPageJobStore implements PageJobStore {
  constructor(private readonly pool: PostgresPool) {}

  insert(job: NewPageJob, nowMs: number): Promise<number> {
    return postgresPageJobRows.insert(this.pool, job, nowMs);
  }

  async update(job: PageJob, nowMs: number): Promise<void> {
    await this.pool.query(
      `UPDATE page_jobs SET route_index = $1, attempt = $2, state = $3, next_attempt_at_ms = $4, last_error = $5, updated_at_ms = $6 WHERE id = $7 AND state = 'pending'`,
      [job.routeIndex, job.attempt, job.state, job.nextAttemptAtMs, job.lastError, nowMs, job.id],
    );
  }

  async due(nowMs: number, limit = 200): Promise<PageJob[]> {
    const { rows } = await this.pool.query<Row>("SELECT * FROM page_jobs WHERE state = 'pending' AND next_attempt_at_ms <= $1 ORDER BY next_attempt_at_ms, id LIMIT $2", [nowMs, limit]);
    return rows.map(jobOf);
  }

  async claimDue(nowMs: number, claimant: string, holdMs: number, limit = 200): Promise<PageJob[]> {
    // SKIP LOCKED: two instances claiming at the same moment each pass by what the other is taking.
    const { rows } = await this.pool.query<Row>(
      `UPDATE page_jobs SET claimed_by = $2, claimed_until_ms = $3
       WHERE id IN (
         SELECT id FROM page_jobs
         WHERE state = 'pending' AND next_attempt_at_ms <= $1
           AND (claimed_by IS NULL OR claimed_by = $2 OR claimed_until_ms <= $1)
         ORDER BY next_attempt_at_ms, id LIMIT $4
         FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [nowMs, claimant, nowMs + holdMs, limit],
    );
    return rows.map(jobOf).sort((a, b) => a.nextAttemptAtMs - b.nextAttemptAtMs || a.id - b.id);
  }

  async renewClaim(jobIds: readonly number[], claimant: string, nowMs: number, holdMs: number): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ id: string }>(
        `SELECT id FROM page_jobs WHERE id = ANY($1::bigint[]) AND state = 'pending' AND claimed_by = $2 AND claimed_until_ms > $3 FOR UPDATE`,
        [[...jobIds], claimant, nowMs],
      );
      if (rows.length !== new Set(jobIds).size) return false;
      await client.query('UPDATE page_jobs SET claimed_until_ms = $3 WHERE id = ANY($1::bigint[]) AND claimed_by = $2', [[...jobIds], claimant, nowMs + holdMs]);
      return true;
    });
  }

  async forAlert(alertId: string): Promise<PageJob[]> {
    const { rows } = await this.pool.query<Row>('SELECT * FROM page_jobs WHERE alert_id = $1 ORDER BY id', [alertId]);
    return rows.map(jobOf);
  }

  cancelPending(alertId: string, reasons: readonly PageReason[], nowMs: number): Promise<number> {
    return postgresPageJobRows.cancelPending(this.pool, alertId, reasons, nowMs);
  }

  async pendingCount(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>("SELECT count(*) AS n FROM page_jobs WHERE state = 'pending'");
    return Number(rows[0]!.n);
  }
}
