import type { Channel } from '../registry/schemas.js';
import type { SqliteDatabase } from '../store/sqlite-database.js';

/** One way to reach one person: tried in order until one delivers. */
export interface PageRoute {
  to: string;
  channel: Channel;
}

export type PageReason = 'step' | 'repage' | 'digest' | 'notice' | 'dispatch';
export type PageJobState = 'pending' | 'delivered' | 'failed' | 'cancelled';

/**
 * A page waiting to go out, kept in the store (the outbox) in the same transaction as the
 * escalation step that asked for it: a step recorded is a page that will be sent, even after a crash.
 */
export interface PageJob {
  id: number;
  alertId: string;
  step: number | null;
  reason: PageReason;
  /** The policy role or audience this job serves (onDuty, backup, family, emergencyGroup, assignee, ...). */
  role: string;
  routes: PageRoute[];
  routeIndex: number;
  /** Attempts already made on the current route. */
  attempt: number;
  state: PageJobState;
  nextAttemptAtMs: number;
  createdAtMs: number;
  lastError: string | null;
}

export type NewPageJob = Pick<PageJob, 'alertId' | 'step' | 'reason' | 'role' | 'routes' | 'nextAttemptAtMs'>;

interface Row {
  id: number;
  alert_id: string;
  step: number | null;
  reason: PageReason;
  role: string;
  routes: string;
  route_index: number;
  attempt: number;
  state: PageJobState;
  next_attempt_at_ms: number;
  created_at_ms: number;
  last_error: string | null;
}

function fromRow(row: Row): PageJob {
  return {
    id: row.id,
    alertId: row.alert_id,
    step: row.step,
    reason: row.reason,
    role: row.role,
    routes: JSON.parse(row.routes) as PageRoute[],
    routeIndex: row.route_index,
    attempt: row.attempt,
    state: row.state,
    nextAttemptAtMs: row.next_attempt_at_ms,
    createdAtMs: row.created_at_ms,
    lastError: row.last_error,
  };
}

/**
 * The outbox of pages: a job inserted is a page that will be tried until delivered, failed or
 * cancelled. Jobs come due in order of their next attempt, then of insertion; a job moved on
 * (delivered, failed, cancelled, or put off) is not due again until its new time. Jobs an alert
 * change asks for are written with it, through the alert store's commit (alerts/alert-store.ts).
 */
export interface PageJobStore {
  /** Returns the new job's id; ids grow with insertion. */
  insert(job: NewPageJob, nowMs: number): Promise<number>;
  /**
   * Saves a pending job's progress (route, attempt, state, next attempt, last error). A job already
   * delivered, failed or cancelled stays so: a late writer (a pager that lost its hold mid-send, or
   * whose alert was acked meanwhile) never reopens it.
   */
  update(job: PageJob, nowMs: number): Promise<void>;
  /** Pending jobs due at nowMs, by next attempt then id; at most `limit`. */
  due(nowMs: number, limit?: number): Promise<PageJob[]>;
  /**
   * `due`, but only jobs no other sender holds, each then held by `claimant` until nowMs + holdMs:
   * pagers of several instances on one outbox never send the same job. A claimant gets its own
   * held jobs again; a finished job is nobody's; a dead claimant's jobs are free once its hold ends.
   */
  claimDue(nowMs: number, claimant: string, holdMs: number, limit?: number): Promise<PageJob[]>;
  /**
   * Just before a send: holds the jobs for another holdMs if `claimant` still holds every one and
   * they are still pending; false, changing nothing, if any was taken over meanwhile (this pager
   * stalled past its hold) or finished: then the page is not sent again.
   */
  renewClaim(jobIds: readonly number[], claimant: string, nowMs: number, holdMs: number): Promise<boolean>;
  /** Every job of the alert, in insertion order. */
  forAlert(alertId: string): Promise<PageJob[]>;
  /** Pending pages of an alert that are no longer wanted (it was acked); returns how many. */
  cancelPending(alertId: string, reasons: readonly PageReason[], nowMs: number): Promise<number>;
  pendingCount(): Promise<number>;
}

/**
 * Table `page_jobs`, synchronously: the SQLite adapters run these inside their own transactions
 * (the alert store's commit writes an alert and its jobs in one).
 */
export class SqlitePageJobRows {
  private readonly insertStmt;
  private readonly updateStmt;
  private readonly dueStmt;
  private readonly countPendingStmt;
  private readonly claimableStmt;
  private readonly claimStmt;
  private readonly claimTransaction;
  private readonly renewTransaction;

  constructor(private readonly db: SqliteDatabase) {
    this.insertStmt = db.prepare(
      `INSERT INTO page_jobs (alert_id, step, reason, role, routes, state, next_attempt_at_ms, created_at_ms, updated_at_ms)
       VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?)`,
    );
    this.updateStmt = db.prepare(
      `UPDATE page_jobs SET route_index = @routeIndex, attempt = @attempt, state = @state,
         next_attempt_at_ms = @nextAttemptAtMs, last_error = @lastError, updated_at_ms = @updatedAt WHERE id = @id AND state = 'pending'`,
    );
    this.dueStmt = db.prepare("SELECT * FROM page_jobs WHERE state = 'pending' AND next_attempt_at_ms <= ? ORDER BY next_attempt_at_ms, id LIMIT ?");
    this.countPendingStmt = db.prepare("SELECT COUNT(*) AS n FROM page_jobs WHERE state = 'pending'");
    this.claimableStmt = db.prepare(
      `SELECT * FROM page_jobs WHERE state = 'pending' AND next_attempt_at_ms <= @nowMs
         AND (claimed_by IS NULL OR claimed_by = @claimant OR claimed_until_ms <= @nowMs)
       ORDER BY next_attempt_at_ms, id LIMIT @limit`,
    );
    this.claimStmt = db.prepare('UPDATE page_jobs SET claimed_by = ?, claimed_until_ms = ? WHERE id = ?');
    const heldStmt = db.prepare("SELECT 1 FROM page_jobs WHERE id = ? AND state = 'pending' AND claimed_by = ? AND claimed_until_ms > ?");
    this.renewTransaction = db.transaction((jobIds: readonly number[], claimant: string, nowMs: number, holdMs: number): boolean => {
      if (!jobIds.every((id) => heldStmt.get(id, claimant, nowMs) !== undefined)) return false;
      for (const id of jobIds) this.claimStmt.run(claimant, nowMs + holdMs, id);
      return true;
    });
    this.claimTransaction = db.transaction((nowMs: number, claimant: string, holdMs: number, limit: number): PageJob[] => {
      const jobs = (this.claimableStmt.all({ nowMs, claimant, limit }) as Row[]).map(fromRow);
      for (const job of jobs) this.claimStmt.run(claimant, nowMs + holdMs, job.id);
      return jobs;
    });
  }

  claimDue(nowMs: number, claimant: string, holdMs: number, limit = 200): PageJob[] {
    return this.claimTransaction(nowMs, claimant, holdMs, limit);
  }

  renewClaim(jobIds: readonly number[], claimant: string, nowMs: number, holdMs: number): boolean {
    return this.renewTransaction(jobIds, claimant, nowMs, holdMs);
  }

  insert(job: NewPageJob, nowMs: number): number {
    const result = this.insertStmt.run(job.alertId, job.step, job.reason, job.role, JSON.stringify(job.routes), job.nextAttemptAtMs, nowMs, nowMs);
    return Number(result.lastInsertRowid);
  }

  update(job: PageJob, nowMs: number): void {
    this.updateStmt.run({ ...job, updatedAt: nowMs });
  }

  due(nowMs: number, limit = 200): PageJob[] {
    return (this.dueStmt.all(nowMs, limit) as Row[]).map(fromRow);
  }

  forAlert(alertId: string): PageJob[] {
    return (this.db.prepare('SELECT * FROM page_jobs WHERE alert_id = ? ORDER BY id').all(alertId) as Row[]).map(fromRow);
  }

  cancelPending(alertId: string, reasons: readonly PageReason[], nowMs: number): number {
    if (reasons.length === 0) return 0;
    const placeholders = reasons.map(() => '?').join(', ');
    const result = this.db
      .prepare(`UPDATE page_jobs SET state = 'cancelled', updated_at_ms = ? WHERE alert_id = ? AND state = 'pending' AND reason IN (${placeholders})`)
      .run(nowMs, alertId, ...reasons);
    return result.changes;
  }

  pendingCount(): number {
    return (this.countPendingStmt.get() as { n: number }).n;
  }
}

/** The outbox in SQLite: each call is done by the time it returns, its promise already settled. */
export class SqlitePageJobStore implements PageJobStore {
  private readonly rows: SqlitePageJobRows;

  constructor(db: SqliteDatabase) {
    this.rows = new SqlitePageJobRows(db);
  }

  async insert(job: NewPageJob, nowMs: number): Promise<number> {
    return this.rows.insert(job, nowMs);
  }

  async update(job: PageJob, nowMs: number): Promise<void> {
    this.rows.update(job, nowMs);
  }

  async due(nowMs: number, limit?: number): Promise<PageJob[]> {
    return this.rows.due(nowMs, limit);
  }

  async claimDue(nowMs: number, claimant: string, holdMs: number, limit?: number): Promise<PageJob[]> {
    return this.rows.claimDue(nowMs, claimant, holdMs, limit);
  }

  async renewClaim(jobIds: readonly number[], claimant: string, nowMs: number, holdMs: number): Promise<boolean> {
    return this.rows.renewClaim(jobIds, claimant, nowMs, holdMs);
  }

  async forAlert(alertId: string): Promise<PageJob[]> {
    return this.rows.forAlert(alertId);
  }

  async cancelPending(alertId: string, reasons: readonly PageReason[], nowMs: number): Promise<number> {
    return this.rows.cancelPending(alertId, reasons, nowMs);
  }

  async pendingCount(): Promise<number> {
    return this.rows.pendingCount();
  }
}
