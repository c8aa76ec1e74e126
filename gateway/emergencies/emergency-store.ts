import type { Logger } from 'pino';
import type { EmergencyDispatchState } from '../../rules/aed/index.js';
import type { PageRoute } from '../pager/page-jobs.js';
import type { SqliteDatabase } from '../store/sqlite-database.js';

export const EMERGENCY_KINDS = ['cardiac_arrest', 'unconscious', 'not_breathing', 'fall_injury', 'choking', 'stroke', 'bleeding', 'other'] as const;
export type EmergencyKind = (typeof EMERGENCY_KINDS)[number];

/** Who raised it: the 120 centre's system, the gateway's own rule, or a worker on the scene. */
export type EmergencySource = 'centre' | 'gateway' | 'worker';

export interface EmergencyEntry {
  atMs: number;
  type: string;
  responder?: string;
  aed?: string;
  text: string;
}

export interface CabinetUnlock {
  aedId: string;
  deviceId: string | null;
  responderId: string;
  atMs: number;
  validS: number;
  /** When the broker took the command; null until then (resent after a restart). */
  sentAtMs: number | null;
}

export interface Emergency {
  id: string;
  /** The centre's own reference (a gateway-raised one gets `gw-…`): creating twice is one emergency. */
  ref: string;
  kind: EmergencyKind;
  lat: number;
  lon: number;
  address: string | null;
  note: string | null;
  source: EmergencySource;
  /** The token's subject or role that created it. */
  createdBy: string;
  createdAtMs: number;
  state: 'active' | 'closed';
  closedAtMs: number | null;
  grid: string | null;
  district: string | null;
  /** Set when it concerns a known resident (raised by the gateway or a worker). */
  resident: string | null;
  alertId: string | null;
  dispatch: EmergencyDispatchState;
  timeline: EmergencyEntry[];
  unlocks: CabinetUnlock[];
  ambulanceArrivedAtMs: number | null;
  /** Rises by one with every change; the centre orders its notices by it. */
  revision: number;
}

export type MessagePurpose = 'dispatch' | 'centre' | 'guardian';

/** Something to send about an emergency, kept until delivered (the page outbox of emergencies). */
export interface EmergencyMessage {
  id: number;
  emergencyId: string;
  purpose: MessagePurpose;
  routes: PageRoute[];
  body: Record<string, unknown> & { text: string };
  routeIndex: number;
  attempt: number;
  state: 'pending' | 'delivered' | 'failed' | 'cancelled';
  nextAttemptAtMs: number;
  lastError: string | null;
}

export type NewEmergencyMessage = Pick<EmergencyMessage, 'emergencyId' | 'purpose' | 'routes' | 'body' | 'nextAttemptAtMs'>;

interface MessageRow {
  id: number;
  emergency_id: string;
  purpose: MessagePurpose;
  routes: string;
  body: string;
  route_index: number;
  attempt: number;
  state: EmergencyMessage['state'];
  next_attempt_at_ms: number;
  last_error: string | null;
}

function messageOf(row: MessageRow): EmergencyMessage {
  return {
    id: row.id,
    emergencyId: row.emergency_id,
    purpose: row.purpose,
    routes: JSON.parse(row.routes) as PageRoute[],
    body: JSON.parse(row.body) as EmergencyMessage['body'],
    routeIndex: row.route_index,
    attempt: row.attempt,
    state: row.state,
    nextAttemptAtMs: row.next_attempt_at_ms,
    lastError: row.last_error,
  };
}

export interface EmergencyListFilter {
  state?: Emergency['state'];
  sinceMs?: number;
  untilMs?: number;
  limit: number;
}

/**
 * Emergencies, kept whole, and their outbox. `save` writes an emergency and the messages its
 * change asks for in one write: a responder asked is a page that will go out, once, even across
 * a kill -9.
 */
export interface EmergencyStore {
  /**
   * Inserts or replaces the emergency (by id; its ref is unique) with the new messages, in one
   * write. `basedOn`: what the change was made from, the emergency as read from the store, or
   * `new` for one created now; when the store holds something else (another gateway changed it,
   * or created one of the same id or ref first) nothing is written and it rejects with
   * EmergencyConflict. Without it the emergency is written as it is.
   */
  save(emergency: Emergency, messages: readonly NewEmergencyMessage[], nowMs: number, basedOn?: Emergency | 'new'): Promise<void>;
  /** Messages that change nothing of the emergency itself (a responder's position for the centre). */
  addMessages(messages: readonly NewEmergencyMessage[], nowMs: number): Promise<void>;
  get(id: string): Promise<Emergency | undefined>;
  byRef(ref: string): Promise<Emergency | undefined>;
  /** Oldest first. */
  listActive(): Promise<Emergency[]>;
  /**
   * Several gateways on one store: `changed` is called when another gateway (or this one) saved
   * an emergency, and once on listening again after the store was away (what was saved meanwhile).
   */
  follow?(changed: () => void, log: Logger): { close(): Promise<void> };
  /** Newest first; sinceMs inclusive, untilMs exclusive, on the creation time. */
  list(filter: EmergencyListFilter): Promise<Emergency[]>;
  /** Pending messages due by nowMs, in the order they were added. */
  dueMessages(nowMs: number, limit?: number): Promise<EmergencyMessage[]>;
  /**
   * `dueMessages`, but only those no other sender holds, each then held by `claimant` until
   * nowMs + holdMs: the messengers of several gateways on one outbox never send the same message.
   * A claimant gets its own held messages again; a finished one is nobody's; a dead claimant's are
   * free once its hold ends.
   */
  claimDueMessages(nowMs: number, claimant: string, holdMs: number, limit?: number): Promise<EmergencyMessage[]>;
  /**
   * Just before a send: holds the message another holdMs if `claimant` still holds it and it is
   * still pending; false, changing nothing, if it was taken over meanwhile (this messenger stalled
   * past its hold) or finished: then it is not sent again.
   */
  renewMessageClaim(messageId: number, claimant: string, nowMs: number, holdMs: number): Promise<boolean>;
  /** An emergency's messages, in the order they were added. */
  messagesOf(emergencyId: string): Promise<EmergencyMessage[]>;
  /**
   * Writes a pending message's delivery state (route, attempt, state, next attempt, last error). A
   * message already delivered, failed or cancelled stays so: a late writer never reopens it.
   */
  updateMessage(message: EmergencyMessage, nowMs: number): Promise<void>;
}

/** The emergency changed in the store since the change was made from it: read it again and redo the change. */
export class EmergencyConflict extends Error {
  override name = 'EmergencyConflict';
  constructor(readonly emergencyId: string) {
    super(`emergency ${emergencyId} was changed by another gateway`);
  }
}

/** Runs a change; when another gateway changed the emergency first, makes it once more (attempt > 1) from what is now stored. */
export async function redoneOnEmergencyConflict<T>(log: Logger, emergencyId: string, change: (attempt: number) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await change(attempt);
    } catch (err) {
      if (!(err instanceof EmergencyConflict) || attempt >= 5) throw err;
      log.info({ emergencyId, attempt }, 'emergency changed by another gateway; made again from what is stored');
    }
  }
}

/** Tables `emergencies` and `emergency_messages` (migration 8), emergencies as JSON bodies. */
export class SqliteEmergencyStore implements EmergencyStore {
  private readonly upsertStmt;
  private readonly insertNewStmt;
  private readonly updateBasedOnStmt;
  private readonly insertMessageStmt;
  private readonly updateMessageStmt;
  private readonly dueStmt;
  private readonly claimTransaction;
  private readonly renewStmt;

  constructor(private readonly db: SqliteDatabase) {
    this.upsertStmt = db.prepare(
      `INSERT INTO emergencies (id, ref, state, created_at_ms, updated_at_ms, body) VALUES (@id, @ref, @state, @createdAtMs, @updatedAtMs, @body)
       ON CONFLICT (id) DO UPDATE SET state = excluded.state, updated_at_ms = excluded.updated_at_ms, body = excluded.body`,
    );
    this.insertNewStmt = db.prepare(
      'INSERT INTO emergencies (id, ref, state, created_at_ms, updated_at_ms, body) VALUES (@id, @ref, @state, @createdAtMs, @updatedAtMs, @body) ON CONFLICT DO NOTHING',
    );
    this.updateBasedOnStmt = db.prepare('UPDATE emergencies SET state = @state, updated_at_ms = @updatedAtMs, body = @body WHERE id = @id AND body = @basis');
    this.insertMessageStmt = db.prepare(
      `INSERT INTO emergency_messages (emergency_id, purpose, routes, body, state, next_attempt_at_ms, created_at_ms, updated_at_ms)
       VALUES (?, ?, ?, ?, 'pending', ?, ?, ?)`,
    );
    this.updateMessageStmt = db.prepare(
      `UPDATE emergency_messages SET route_index = @routeIndex, attempt = @attempt, state = @state, next_attempt_at_ms = @nextAttemptAtMs,
         last_error = @lastError, updated_at_ms = @updatedAtMs WHERE id = @id AND state = 'pending'`,
    );
    this.dueStmt = db.prepare("SELECT * FROM emergency_messages WHERE state = 'pending' AND next_attempt_at_ms <= ? ORDER BY id LIMIT ?");
    const claimableStmt = db.prepare(
      `SELECT * FROM emergency_messages WHERE state = 'pending' AND next_attempt_at_ms <= @nowMs
         AND (claimed_by IS NULL OR claimed_by = @claimant OR claimed_until_ms <= @nowMs)
       ORDER BY id LIMIT @limit`,
    );
    const claimStmt = db.prepare('UPDATE emergency_messages SET claimed_by = ?, claimed_until_ms = ? WHERE id = ?');
    this.claimTransaction = db.transaction((nowMs: number, claimant: string, holdMs: number, limit: number): EmergencyMessage[] => {
      const messages = (claimableStmt.all({ nowMs, claimant, limit }) as MessageRow[]).map(messageOf);
      for (const m of messages) claimStmt.run(claimant, nowMs + holdMs, m.id);
      return messages;
    });
    this.renewStmt = db.prepare("UPDATE emergency_messages SET claimed_until_ms = ? WHERE id = ? AND state = 'pending' AND claimed_by = ? AND claimed_until_ms > ?");
  }

  async save(emergency: Emergency, messages: readonly NewEmergencyMessage[], nowMs: number, basedOn?: Emergency | 'new'): Promise<void> {
    this.db.transaction(() => {
      const row = { id: emergency.id, ref: emergency.ref, state: emergency.state, createdAtMs: emergency.createdAtMs, updatedAtMs: nowMs, body: JSON.stringify(emergency) };
      if (basedOn === undefined) this.upsertStmt.run(row);
      else {
        const written = basedOn === 'new' ? this.insertNewStmt.run(row) : this.updateBasedOnStmt.run({ ...row, basis: JSON.stringify(basedOn) });
        if (written.changes !== 1) throw new EmergencyConflict(emergency.id);
      }
      for (const m of messages) this.insertMessageStmt.run(m.emergencyId, m.purpose, JSON.stringify(m.routes), JSON.stringify(m.body), m.nextAttemptAtMs, nowMs, nowMs);
    })();
  }

  async addMessages(messages: readonly NewEmergencyMessage[], nowMs: number): Promise<void> {
    this.db.transaction(() => {
      for (const m of messages) this.insertMessageStmt.run(m.emergencyId, m.purpose, JSON.stringify(m.routes), JSON.stringify(m.body), m.nextAttemptAtMs, nowMs, nowMs);
    })();
  }

  async get(id: string): Promise<Emergency | undefined> {
    const row = this.db.prepare('SELECT body FROM emergencies WHERE id = ?').get(id) as { body: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.body) as Emergency);
  }

  async byRef(ref: string): Promise<Emergency | undefined> {
    const row = this.db.prepare('SELECT body FROM emergencies WHERE ref = ?').get(ref) as { body: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.body) as Emergency);
  }

  async listActive(): Promise<Emergency[]> {
    return (this.db.prepare("SELECT body FROM emergencies WHERE state = 'active' ORDER BY created_at_ms").all() as { body: string }[]).map((r) => JSON.parse(r.body) as Emergency);
  }

  async list(filter: EmergencyListFilter): Promise<Emergency[]> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    const add = (clause: string, value: string | number | undefined) => {
      if (value === undefined) return;
      where.push(clause);
      args.push(value);
    };
    add('state = ?', filter.state);
    add('created_at_ms >= ?', filter.sinceMs);
    add('created_at_ms < ?', filter.untilMs);
    const sql = `SELECT body FROM emergencies ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`} ORDER BY created_at_ms DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, filter.limit) as { body: string }[]).map((r) => JSON.parse(r.body) as Emergency);
  }

  async dueMessages(nowMs: number, limit = 200): Promise<EmergencyMessage[]> {
    return (this.dueStmt.all(nowMs, limit) as MessageRow[]).map(messageOf);
  }

  async claimDueMessages(nowMs: number, claimant: string, holdMs: number, limit = 200): Promise<EmergencyMessage[]> {
    return this.claimTransaction(nowMs, claimant, holdMs, limit);
  }

  async renewMessageClaim(messageId: number, claimant: string, nowMs: number, holdMs: number): Promise<boolean> {
    return this.renewStmt.run(nowMs + holdMs, messageId, claimant, nowMs).changes === 1;
  }

  async messagesOf(emergencyId: string): Promise<EmergencyMessage[]> {
    return (this.db.prepare('SELECT * FROM emergency_messages WHERE emergency_id = ? ORDER BY id').all(emergencyId) as MessageRow[]).map(messageOf);
  }

  async updateMessage(message: EmergencyMessage, nowMs: number): Promise<void> {
    this.updateMessageStmt.run({ ...message, updatedAtMs: nowMs });
  }
}
