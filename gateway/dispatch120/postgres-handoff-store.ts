import type { PostgresPool } from '../store/postgres-database.js';
import type { Handoff, HandoffStore } from './handoff-store.js';

interface Row {
  alert_id: string;
  body: string;
  state: Handoff['state'];
  attempt: number;
  next_attempt_at_ms: string;
  created_at_ms: string;
  reference: string | null;
  last_error: string | null;
}

const handoffOf = (r: Row): Handoff => ({
  alertId: r.alert_id,
  body: r.body,
  state: r.state,
  attempt: r.attempt,
  nextAttemptAtMs: Number(r.next_attempt_at_ms),
  createdAtMs: Number(r.created_at_ms),
  reference: r.reference,
  lastError: r.last_error,
});

/** Table `dispatch120_handoffs` in PostgreSQL, keyed by the alert: one handoff per alert, whichever instance queues it. */
export class PostgresHandoffStore implements HandoffStore {
  constructor(private readonly pool: PostgresPool) {}

  async queue(alertId: string, body: string, nowMs: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      "INSERT INTO dispatch120_handoffs (alert_id, body, state, next_attempt_at_ms, created_at_ms) VALUES ($1, $2, 'pending', $3, $3) ON CONFLICT (alert_id) DO NOTHING",
      [alertId, body, nowMs],
    );
    return rowCount === 1;
  }

  async due(nowMs: number, limit: number): Promise<Handoff[]> {
    const { rows } = await this.pool.query<Row>(
      "SELECT * FROM dispatch120_handoffs WHERE state = 'pending' AND next_attempt_at_ms <= $1 ORDER BY created_at_ms, alert_id LIMIT $2",
      [nowMs, limit],
    );
    return rows.map(handoffOf);
  }

  async claimDue(nowMs: number, claimant: string, holdMs: number, limit: number): Promise<Handoff[]> {
    // SKIP LOCKED: two gateways claiming at the same moment each pass by what the other is taking.
    const { rows } = await this.pool.query<Row>(
      `UPDATE dispatch120_handoffs SET claimed_by = $2, claimed_until_ms = $3
       WHERE alert_id IN (
         SELECT alert_id FROM dispatch120_handoffs
         WHERE state = 'pending' AND next_attempt_at_ms <= $1
           AND (claimed_by IS NULL OR claimed_by = $2 OR claimed_until_ms <= $1)
         ORDER BY created_at_ms, alert_id LIMIT $4
         FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [nowMs, claimant, nowMs + holdMs, limit],
    );
    return rows.map(handoffOf).sort((a, b) => a.createdAtMs - b.createdAtMs || (a.alertId < b.alertId ? -1 : a.alertId > b.alertId ? 1 : 0));
  }

  async renewClaim(alertId: string, claimant: string, nowMs: number, holdMs: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      "UPDATE dispatch120_handoffs SET claimed_until_ms = $4 WHERE alert_id = $1 AND state = 'pending' AND claimed_by = $2 AND claimed_until_ms > $3",
      [alertId, claimant, nowMs, nowMs + holdMs],
    );
    return rowCount === 1;
  }

  async markSent(alertId: string, reference: string | null): Promise<void> {
    await this.pool.query("UPDATE dispatch120_handoffs SET state = 'sent', attempt = attempt + 1, reference = $1 WHERE alert_id = $2 AND state = 'pending'", [reference, alertId]);
  }

  async markFailed(alertId: string, failure: { attempt: number; nextAttemptAtMs: number; error: string }): Promise<void> {
    await this.pool.query("UPDATE dispatch120_handoffs SET attempt = $1, next_attempt_at_ms = $2, last_error = $3 WHERE alert_id = $4 AND state = 'pending'", [
      failure.attempt,
      failure.nextAttemptAtMs,
      failure.error,
      alertId,
    ]);
  }

  async get(alertId: string): Promise<Handoff | undefined> {
    const { rows } = await this.pool.query<Row>('SELECT * FROM dispatch120_handoffs WHERE alert_id = $1', [alertId]);
    return rows[0] === undefined ? undefined : handoffOf(rows[0]);
  }
}
