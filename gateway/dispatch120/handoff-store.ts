import type { SqliteDatabase } from '../store/sqlite-database.js';

/** One alert's handoff to the 120 centre, as kept between attempts. */
export interface Handoff {
  alertId: string;
  /** The rendered request, sent the same on every attempt. */
  body: string;
  state: 'pending' | 'sent';
  attempt: number;
  nextAttemptAtMs: number;
  createdAtMs: number;
  reference: string | null;
  lastError: string | null;
}

/**
 * The 120 handoff outbox, one row per alert: written before the send, so a restart resends a
 * handoff cut off and never makes a second.
 */
export interface HandoffStore {
  /** Keeps a pending handoff for the alert; false (and nothing changed) when it already has one. */
  queue(alertId: string, body: string, nowMs: number): Promise<boolean>;
  /** Pending handoffs whose next attempt is due, oldest first. */
  due(nowMs: number, limit: number): Promise<Handoff[]>;
  /** The centre took it: counted as an attempt, with its reference if it gave one. */
  markSent(alertId: string, reference: string | null): Promise<void>;
  /** An attempt failed: stays pending until nextAttemptAtMs. */
  markFailed(alertId: string, failure: { attempt: number; nextAttemptAtMs: number; error: string }): Promise<void>;
  get(alertId: string): Promise<Handoff | undefined>;
}

interface Row {
  alert_id: string;
  body: string;
  state: Handoff['state'];
  attempt: number;
  next_attempt_at_ms: number;
  created_at_ms: number;
  reference: string | null;
  last_error: string | null;
}

const handoffOf = (r: Row): Handoff => ({
  alertId: r.alert_id,
  body: r.body,
  state: r.state,
  attempt: r.attempt,
  nextAttemptAtMs: r.next_attempt_at_ms,
  createdAtMs: r.created_at_ms,
  reference: r.reference,
  lastError: r.last_error,
});

/** Table `dispatch120_handoffs` (migration 11), keyed by the alert. */
export class SqliteHandoffStore implements HandoffStore {
  private readonly insertStmt;
  private readonly dueStmt;
  private readonly sentStmt;
  private readonly failedStmt;
  private readonly getStmt;

  constructor(db: SqliteDatabase) {
    this.insertStmt = db.prepare("INSERT OR IGNORE INTO dispatch120_handoffs (alert_id, body, state, next_attempt_at_ms, created_at_ms) VALUES (?, ?, 'pending', ?, ?)");
    this.dueStmt = db.prepare("SELECT * FROM dispatch120_handoffs WHERE state = 'pending' AND next_attempt_at_ms <= ? ORDER BY created_at_ms, alert_id LIMIT ?");
    this.sentStmt = db.prepare("UPDATE dispatch120_handoffs SET state = 'sent', attempt = attempt + 1, reference = ? WHERE alert_id = ?");
    this.failedStmt = db.prepare('UPDATE dispatch120_handoffs SET attempt = ?, next_attempt_at_ms = ?, last_error = ? WHERE alert_id = ?');
    this.getStmt = db.prepare('SELECT * FROM dispatch120_handoffs WHERE alert_id = ?');
  }

  async queue(alertId: string, body: string, nowMs: number): Promise<boolean> {
    return this.insertStmt.run(alertId, body, nowMs, nowMs).changes > 0;
  }

  async due(nowMs: number, limit: number): Promise<Handoff[]> {
    return (this.dueStmt.all(nowMs, limit) as Row[]).map(handoffOf);
  }

  async markSent(alertId: string, reference: string | null): Promise<void> {
    this.sentStmt.run(reference, alertId);
  }

  async markFailed(alertId: string, failure: { attempt: number; nextAttemptAtMs: number; error: string }): Promise<void> {
    this.failedStmt.run(failure.attempt, failure.nextAttemptAtMs, failure.error, alertId);
  }

  async get(alertId: string): Promise<Handoff | undefined> {
    const row = this.getStmt.get(alertId) as Row | undefined;
    return row === undefined ? undefined : handoffOf(row);
  }
}
