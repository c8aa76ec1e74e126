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
  /**
   * `due`, but only handoffs no other gateway holds, each then held by `claimant` until
   * nowMs + holdMs: gateways sharing the outbox never send the same handoff. A claimant gets its
   * own held handoffs again; a sent one is nobody's; a dead claimant's are free once its hold ends.
   */
  claimDue(nowMs: number, claimant: string, holdMs: number, limit: number): Promise<Handoff[]>;
  /**
   * Just before a send: holds the handoff another holdMs if `claimant` still holds it and it is
   * still pending; false, changing nothing, if it was taken over meanwhile (this gateway stalled
   * past its hold) or sent: then it is not sent again.
   */
  renewClaim(alertId: string, claimant: string, nowMs: number, holdMs: number): Promise<boolean>;
  /** The centre took it: counted as an attempt, with its reference if it gave one. A handoff already sent keeps its first reference. */
  markSent(alertId: string, reference: string | null): Promise<void>;
  /** An attempt failed: stays pending until nextAttemptAtMs. A handoff already sent stays sent. */
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
  private readonly claimTransaction;
  private readonly renewStmt;
  private readonly sentStmt;
  private readonly failedStmt;
  private readonly getStmt;

  constructor(db: SqliteDatabase) {
    this.insertStmt = db.prepare("INSERT OR IGNORE INTO dispatch120_handoffs (alert_id, body, state, next_attempt_at_ms, created_at_ms) VALUES (?, ?, 'pending', ?, ?)");
    this.dueStmt = db.prepare("SELECT * FROM dispatch120_handoffs WHERE state = 'pending' AND next_attempt_at_ms <= ? ORDER BY created_at_ms, alert_id LIMIT ?");
    this.sentStmt = db.prepare("UPDATE dispatch120_handoffs SET state = 'sent', attempt = attempt + 1, reference = ? WHERE alert_id = ? AND state = 'pending'");
    this.failedStmt = db.prepare("UPDATE dispatch120_handoffs SET attempt = ?, next_attempt_at_ms = ?, last_error = ? WHERE alert_id = ? AND state = 'pending'");
    const claimableStmt = db.prepare(
      `SELECT * FROM dispatch120_handoffs WHERE state = 'pending' AND next_attempt_at_ms <= @nowMs
         AND (claimed_by IS NULL OR claimed_by = @claimant OR claimed_until_ms <= @nowMs)
       ORDER BY created_at_ms, alert_id LIMIT @limit`,
    );
    const claimStmt = db.prepare('UPDATE dispatch120_handoffs SET claimed_by = ?, claimed_until_ms = ? WHERE alert_id = ?');
    this.claimTransaction = db.transaction((nowMs: number, claimant: string, holdMs: number, limit: number): Handoff[] => {
      const handoffs = (claimableStmt.all({ nowMs, claimant, limit }) as Row[]).map(handoffOf);
      for (const h of handoffs) claimStmt.run(claimant, nowMs + holdMs, h.alertId);
      return handoffs;
    });
    this.renewStmt = db.prepare("UPDATE dispatch120_handoffs SET claimed_until_ms = ? WHERE alert_id = ? AND state = 'pending' AND claimed_by = ? AND claimed_until_ms > ?");
    this.getStmt = db.prepare('SELECT * FROM dispatch120_handoffs WHERE alert_id = ?');
  }

  async queue(alertId: string, body: string, nowMs: number): Promise<boolean> {
    return this.insertStmt.run(alertId, body, nowMs, nowMs).changes > 0;
  }

  async due(nowMs: number, limit: number): Promise<Handoff[]> {
    return (this.dueStmt.all(nowMs, limit) as Row[]).map(handoffOf);
  }

  async claimDue(nowMs: number, claimant: string, holdMs: number, limit: number): Promise<Handoff[]> {
    return this.claimTransaction(nowMs, claimant, holdMs, limit);
  }

  async renewClaim(alertId: string, claimant: string, nowMs: number, holdMs: number): Promise<boolean> {
    return this.renewStmt.run(nowMs + holdMs, alertId, claimant, nowMs).changes === 1;
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
