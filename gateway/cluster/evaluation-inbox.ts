import type { Logger } from 'pino';
import type { DecodedMessage } from '../../sensors/index.js';
import type { CabinetChange } from '../aed/aed-service.js';
import type { PostgresPool } from '../store/postgres-database.js';
import { listenTo } from '../store/postgres-listener.js';

/** A stored message (or a cabinet change) on its way to the instance that evaluates its partition. */
export interface InboxMessage {
  id: number;
  partition: number;
  /** The device that sent it; '' for a cabinet change. */
  deviceId: string;
  message: DecodedMessage | CabinetChange;
}

export interface InboxOptions {
  /** Messages waiting to be written at most; beyond it a forward is refused (an event is then not acknowledged). */
  maxQueued: number;
  /** How many messages one drain reads and evaluates before writing them off. */
  batch: number;
  /** How often the owner looks without being told (a notification lost with a dropped connection). */
  pollMs: number;
}

export const INBOX_DEFAULTS: InboxOptions = { maxQueued: 20_000, batch: 500, pollMs: 1_000 };

/** The forward was refused: too much waiting already (the database is away or slow). */
export class InboxFullError extends Error {
  override name = 'InboxFullError';
  constructor() {
    super('too many messages waiting to reach the instances that evaluate them');
  }
}

interface Queued {
  partition: number;
  urgent: boolean;
  deviceId: string;
  message: string;
  receivedAtMs: number;
  done: { resolve(): void; reject(err: Error): void };
}

/**
 * The route from the instance a device reached to the instance that evaluates its partition,
 * through PostgreSQL rather than Redis: a message forwarded is kept until its owner evaluated it,
 * so an owner's death loses nothing (its successor reads what it left), where a Redis
 * publication would be gone. Writes are batched, one INSERT per turn of the event loop, and
 * notify the owners at their commit.
 */
export class EvaluationInbox {
  private queue: Queued[] = [];
  /** The batch being written now. */
  private writing: Promise<void> | undefined;
  private scheduled = false;
  private closed = false;

  constructor(
    private readonly pool: PostgresPool,
    private readonly options: InboxOptions,
    private readonly log: Logger,
  ) {}

  /** Resolves once the message is kept for its owner. */
  forward(partition: number, deviceId: string, message: DecodedMessage | CabinetChange, receivedAtMs: number): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the gateway is stopping'));
    if (this.queue.length >= this.options.maxQueued) return Promise.reject(new InboxFullError());
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ partition, urgent: message.channel !== 'telemetry', deviceId, message: JSON.stringify(message), receivedAtMs, done: { resolve, reject } });
      this.schedule();
    });
  }

  /** The oldest messages of these partitions, at most `batch`: events, status and cabinet changes before readings. */
  async take(partitions: readonly number[]): Promise<InboxMessage[]> {
    if (partitions.length === 0) return [];
    const { rows } = await this.pool.query<{ id: string; partition: number; device_id: string; message: string }>(
      'SELECT id, partition, device_id, message FROM evaluation_inbox WHERE partition = ANY($1::int[]) ORDER BY urgent DESC, id LIMIT $2',
      [partitions, this.options.batch],
    );
    return rows.map((r) => ({ id: Number(r.id), partition: r.partition, deviceId: r.device_id, message: JSON.parse(r.message) as DecodedMessage | CabinetChange }));
  }

  /** Evaluated: written off. */
  async done(ids: readonly number[]): Promise<void> {
    if (ids.length > 0) await this.pool.query('DELETE FROM evaluation_inbox WHERE id = ANY($1::bigint[])', [ids]);
  }

  /** Waits for what is queued to be written (or refused). */
  async close(): Promise<void> {
    this.closed = true;
    // Each turn waits on a write under way (real I/O), never on a promise already settled.
    while (this.queue.length > 0 || this.writing !== undefined) await (this.writing ?? this.flush());
  }

  private schedule(): void {
    if (this.scheduled || this.writing !== undefined) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  /** Starts writing what is queued; the write under way when one is. */
  private flush(): Promise<void> {
    if (this.writing !== undefined) return this.writing;
    if (this.queue.length === 0) return Promise.resolve();
    this.writing = this.write().finally(() => {
      this.writing = undefined;
      if (this.queue.length > 0) this.schedule();
    });
    return this.writing;
  }

  private async write(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    try {
      await this.pool.query(
        `WITH kept AS (
           INSERT INTO evaluation_inbox (partition, device_id, message, received_at_ms, urgent)
           SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::bigint[], $5::boolean[]) RETURNING partition)
         SELECT pg_notify('evaluation_inbox', string_agg(DISTINCT partition::text, ',')) FROM kept`,
        [batch.map((q) => q.partition), batch.map((q) => q.deviceId), batch.map((q) => q.message), batch.map((q) => q.receivedAtMs), batch.map((q) => q.urgent)],
      );
      for (const q of batch) q.done.resolve();
    } catch (err) {
      this.log.error({ err, messages: batch.length }, 'messages for other instances could not be kept');
      for (const q of batch) q.done.reject(err as Error);
    }
  }
}

/** The partitions a notification names. */
export function partitionsNamed(payload: string | undefined): number[] {
  if (payload === undefined || payload === '') return [];
  return payload.split(',').map(Number).filter(Number.isInteger);
}

/** Hears which partitions have new messages; the owner's poll covers what a dropped connection missed. */
export function listenToInbox(pool: PostgresPool, heard: (partitions: number[]) => void, log: Logger): { close(): Promise<void> } {
  return listenTo(pool, 'evaluation_inbox', { heard: (payload) => heard(partitionsNamed(payload)) }, log);
}
