import type { PoolClient } from 'pg';
import type { Logger } from 'pino';
import type { PageRoute } from '../pager/page-jobs.js';
import { inTransaction, type PostgresPool } from '../store/postgres-database.js';
import { listenTo } from '../store/postgres-listener.js';
import { EmergencyConflict, type Emergency, type EmergencyListFilter, type EmergencyMessage, type EmergencyStore, type NewEmergencyMessage } from './emergency-store.js';

interface MessageRow {
  id: string;
  emergency_id: string;
  purpose: EmergencyMessage['purpose'];
  routes: string;
  body: string;
  route_index: number;
  attempt: number;
  state: EmergencyMessage['state'];
  next_attempt_at_ms: string;
  last_error: string | null;
}

const messageOf = (row: MessageRow): EmergencyMessage => ({
  id: Number(row.id),
  emergencyId: row.emergency_id,
  purpose: row.purpose,
  routes: JSON.parse(row.routes) as PageRoute[],
  body: JSON.parse(row.body) as EmergencyMessage['body'],
  routeIndex: row.route_index,
  attempt: row.attempt,
  state: row.state,
  nextAttemptAtMs: Number(row.next_attempt_at_ms),
  lastError: row.last_error,
});

const bodies = (rows: { body: string }[]): Emergency[] => rows.map((r) => JSON.parse(r.body) as Emergency);

async function insertMessages(client: PoolClient, messages: readonly NewEmergencyMessage[], nowMs: number): Promise<void> {
  // One row at a time, in the order given: the outbox sends them in id order.
  for (const m of messages) {
    await client.query(
      `INSERT INTO emergency_messages (emergency_id, purpose, routes, body, state, next_attempt_at_ms, created_at_ms, updated_at_ms)
       VALUES ($1, $2, $3, $4, 'pending', $5, $6, $6)`,
      [m.emergencyId, m.purpose, JSON.stringify(m.routes), JSON.stringify(m.body), m.nextAttemptAtMs, nowMs],
    );
  }
}

/** Tables `emergencies` and `emergency_messages` in PostgreSQL: an emergency and the messages its change asks for in one transaction. */
export class PostgresEmergencyStore implements EmergencyStore {
  constructor(private readonly pool: PostgresPool) {}

  async save(emergency: Emergency, messages: readonly NewEmergencyMessage[], nowMs: number, basedOn?: Emergency | 'new'): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      const row = [emergency.id, emergency.ref, emergency.state, emergency.createdAtMs, nowMs, JSON.stringify(emergency)];
      if (basedOn === undefined) {
        await client.query(
          `INSERT INTO emergencies (id, ref, state, created_at_ms, updated_at_ms, body) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (id) DO UPDATE SET state = excluded.state, updated_at_ms = excluded.updated_at_ms, body = excluded.body`,
          row,
        );
      } else {
        // Written only over what the change was made from: two gateways' changes never both land.
        const { rowCount } =
          basedOn === 'new'
            ? await client.query('INSERT INTO emergencies (id, ref, state, created_at_ms, updated_at_ms, body) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING', row)
            : await client.query('UPDATE emergencies SET state = $2, updated_at_ms = $3, body = $4 WHERE id = $1 AND body = $5', [emergency.id, emergency.state, nowMs, JSON.stringify(emergency), JSON.stringify(basedOn)]);
        if (rowCount !== 1) throw new EmergencyConflict(emergency.id);
      }
      await insertMessages(client, messages, nowMs);
      // Heard by the other gateways at the commit: their dispatchers' views follow at once.
      await client.query("SELECT pg_notify('emergencies_changed', $1)", [emergency.id]);
    });
  }

  follow(changed: () => void, log: Logger): { close(): Promise<void> } {
    return listenTo(this.pool, 'emergencies_changed', { heard: changed, listening: async () => changed() }, log);
  }

  async addMessages(messages: readonly NewEmergencyMessage[], nowMs: number): Promise<void> {
    if (messages.length === 0) return;
    await inTransaction(this.pool, (client) => insertMessages(client, messages, nowMs));
  }

  async get(id: string): Promise<Emergency | undefined> {
    return bodies((await this.pool.query<{ body: string }>('SELECT body FROM emergencies WHERE id = $1', [id])).rows)[0];
  }

  async byRef(ref: string): Promise<Emergency | undefined> {
    return bodies((await this.pool.query<{ body: string }>('SELECT body FROM emergencies WHERE ref = $1', [ref])).rows)[0];
  }

  async listActive(): Promise<Emergency[]> {
    return bodies((await this.pool.query<{ body: string }>("SELECT body FROM emergencies WHERE state = 'active' ORDER BY created_at_ms")).rows);
  }

  async list(filter: EmergencyListFilter): Promise<Emergency[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (clause: string, value: string | number | undefined): void => {
      if (value === undefined) return;
      args.push(value);
      where.push(`${clause} $${args.length}`);
    };
    add('state =', filter.state);
    add('created_at_ms >=', filter.sinceMs);
    add('created_at_ms <', filter.untilMs);
    args.push(filter.limit);
    const sql = `SELECT body FROM emergencies ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`} ORDER BY created_at_ms DESC LIMIT $${args.length}`;
    return bodies((await this.pool.query<{ body: string }>(sql, args)).rows);
  }

  async dueMessages(nowMs: number, limit = 200): Promise<EmergencyMessage[]> {
    const { rows } = await this.pool.query<MessageRow>("SELECT * FROM emergency_messages WHERE state = 'pending' AND next_attempt_at_ms <= $1 ORDER BY id LIMIT $2", [nowMs, limit]);
    return rows.map(messageOf);
  }

  async claimDueMessages(nowMs: number, claimant: string, holdMs: number, limit = 200): Promise<EmergencyMessage[]> {
    // SKIP LOCKED: two gateways claiming at the same moment each pass by what the other is taking.
    const { rows } = await this.pool.query<MessageRow>(
      `UPDATE emergency_messages SET claimed_by = $2, claimed_until_ms = $3
       WHERE id IN (
         SELECT id FROM emergency_messages
         WHERE state = 'pending' AND next_attempt_at_ms <= $1
           AND (claimed_by IS NULL OR claimed_by = $2 OR claimed_until_ms <= $1)
         ORDER BY id LIMIT $4
         FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [nowMs, claimant, nowMs + holdMs, limit],
    );
    return rows.map(messageOf).sort((a, b) => a.id - b.id);
  }

  async renewMessageClaim(messageId: number, claimant: string, nowMs: number, holdMs: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      "UPDATE emergency_messages SET claimed_until_ms = $4 WHERE id = $1 AND state = 'pending' AND claimed_by = $2 AND claimed_until_ms > $3",
      [messageId, claimant, nowMs, nowMs + holdMs],
    );
    return rowCount === 1;
  }

  async messagesOf(emergencyId: string): Promise<EmergencyMessage[]> {
    const { rows } = await this.pool.query<MessageRow>('SELECT * FROM emergency_messages WHERE emergency_id = $1 ORDER BY id', [emergencyId]);
    return rows.map(messageOf);
  }

  async updateMessage(message: EmergencyMessage, nowMs: number): Promise<void> {
    await this.pool.query(
      "UPDATE emergency_messages SET route_index = $1, attempt = $2, state = $3, next_attempt_at_ms = $4, last_error = $5, updated_at_ms = $6 WHERE id = $7 AND state = 'pending'",
      [message.routeIndex, message.attempt, message.state, message.nextAttemptAtMs, message.lastError, nowMs, message.id],
    );
  }
}
