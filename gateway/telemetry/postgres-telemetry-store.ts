import type { Logger } from 'pino';
import type { Reading } from '../../sensors/index.js';
import type { GatewayMetrics } from '../metrics.js';
import { inTransaction, type PostgresPool } from '../store/postgres-database.js';
import type { Committed, ReadingQuery, StoredReading, TelemetrySink } from './telemetry-store.js';

export interface PostgresTelemetryOptions {
  retentionDays: number;
  /** Readings held while the database is slow or away; past it the oldest go, counted. */
  queueLimit: number;
  flushIntervalMs: number;
  /** Readings waiting for their commit (QoS 1) that start a flush at once instead of at the next tick. */
  batchSize: number;
  now?: () => number;
}

interface Queued {
  reading: Reading;
  committed: Committed | undefined;
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Serialises partition creation and removal between instances writing the same table. */
const PARTITION_LOCK = 0x67770002;

/** readings_p20261207: the partition of one UTC day of device time. */
function partitionName(dayStartMs: number): string {
  return `readings_p${new Date(dayStartMs).toISOString().slice(0, 10).replace(/-/g, '')}`;
}

/**
 * Readings in PostgreSQL, the store of record when several gateways share one database: written in
 * batches (one multi-row INSERT a flush), one partition a day of device time so that retention
 * drops whole days. A reading's `committed` is told once its batch has committed, and not before:
 * the QoS 1 PUBACK waits for it, and a database that is away is back-pressure, not loss.
 */
export class PostgresTelemetryStore implements TelemetrySink {
  readonly name = 'postgres';
  private queue: Queued[] = [];
  /** Items before this index were dropped; shifting a full array would cost O(n) per reading. */
  private head = 0;
  private waiting = 0;
  private readonly partitions = new Set<number>();
  private flushing: Promise<void> = Promise.resolve();
  private flushSoon: NodeJS.Immediate | undefined;
  private readonly flushTimer: NodeJS.Timeout;
  private readonly retentionTimer: NodeJS.Timeout;
  private readonly now: () => number;
  private lastDropLogMs = 0;
  private closed = false;

  constructor(
    private readonly pool: PostgresPool,
    private readonly options: PostgresTelemetryOptions,
    private readonly metrics: GatewayMetrics,
    private readonly log: Logger,
  ) {
    this.now = options.now ?? Date.now;
    metrics.telemetryQueued.probe = () => this.queue.length - this.head;
    this.flushTimer = setInterval(() => void this.flush(), options.flushIntervalMs);
    this.retentionTimer = setInterval(() => void this.applyRetention().catch((err: unknown) => this.log.warn({ err }, 'readings retention failed')), HOUR_MS);
    this.flushTimer.unref();
    this.retentionTimer.unref();
  }

  write(reading: Reading, committed?: Committed): void {
    if (this.closed) {
      committed?.(new Error('the readings store is closed'));
      return;
    }
    if (this.queue.length - this.head >= this.options.queueLimit) this.dropOldest(1);
    this.queue.push({ reading, committed });
    if (committed === undefined) return;
    this.waiting++;
    if (this.waiting >= this.options.batchSize && this.flushSoon === undefined) this.flushSoon = setImmediate(() => void this.flush());
  }

  /** Resolves once everything written before the call has been committed, or kept for a retry. */
  flush(): Promise<void> {
    if (this.flushSoon !== undefined) {
      clearImmediate(this.flushSoon);
      this.flushSoon = undefined;
    }
    // One flush at a time, in order: a reading is never written before one queued ahead of it.
    this.flushing = this.flushing.then(() => this.writeQueued());
    return this.flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.flushTimer);
    clearInterval(this.retentionTimer);
    await this.flush();
    this.closed = true;
    // What could not be written: nobody is told it was stored.
    for (const item of this.queue.slice(this.head)) item.committed?.(new Error('the readings store is closed'));
    this.queue = [];
    this.head = 0;
    this.waiting = 0;
  }

  /** Oldest first (equal times in the order stored), at most `limit`. */
  async readings(deviceId: string, query: ReadingQuery): Promise<StoredReading[]> {
    await this.flush();
    const { rows } = await this.pool.query<{ kind: StoredReading['kind']; ts_ms: string; received_at_ms: string; body: Record<string, unknown> }>(
      `SELECT kind, ts_ms, received_at_ms, body FROM readings
       WHERE device_id = $1 AND ts_ms >= $2 AND ts_ms <= $3 ORDER BY ts_ms, seq LIMIT $4`,
      [deviceId, query.fromMs, query.toMs, query.limit],
    );
    return rows.map((r) => ({ deviceId, kind: r.kind, tsMs: Number(r.ts_ms), receivedAtMs: Number(r.received_at_ms), values: r.body }));
  }

  /** Drops the partitions whose whole day is older than the retention; returns how many went. */
  async applyRetention(): Promise<number> {
    const cutoffDay = Math.floor((this.now() - this.options.retentionDays * DAY_MS) / DAY_MS) * DAY_MS;
    const dropped = await inTransaction(this.pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [PARTITION_LOCK]);
      const { rows } = await client.query<{ name: string }>(
        `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'readings'`,
      );
      const old = rows.map((r) => r.name).filter((name) => /^readings_p\d{8}$/.test(name) && name < partitionName(cutoffDay));
      for (const name of old) await client.query(`DROP TABLE ${name}`);
      return old.length;
    });
    for (const day of [...this.partitions]) if (day < cutoffDay) this.partitions.delete(day);
    return dropped;
  }

  private async writeQueued(): Promise<void> {
    if (this.queue.length === this.head) return;
    const batch = this.head === 0 ? this.queue : this.queue.slice(this.head);
    this.queue = [];
    this.head = 0;
    this.waiting = 0;
    try {
      await this.ensurePartitions(batch);
      // The batch as one JSON text, taken apart by the server: pg's text arrays escape each element
      // in JavaScript (about three times the cost of one JSON.stringify of the rows).
      const rows = batch.map(({ reading: r }) => [r.deviceId, r.kind, r.tsMs, r.receivedAtMs, r.values]);
      await this.pool.query(
        `INSERT INTO readings (device_id, kind, ts_ms, received_at_ms, body)
         SELECT r->>0, r->>1, (r->>2)::bigint, (r->>3)::bigint, r->4 FROM jsonb_array_elements($1::jsonb) AS r`,
        [JSON.stringify(rows)],
      );
    } catch (err) {
      this.keepForRetry(batch, err);
      return;
    }
    this.metrics.telemetryWritten.inc({ sink: this.name }, batch.length);
    // Committed: now, and not before, the devices hear their readings are stored.
    for (const item of batch) item.committed?.();
  }

  /** Creates the day partitions a batch needs that this instance has not seen yet. */
  private async ensurePartitions(batch: readonly Queued[]): Promise<void> {
    const days = new Set<number>();
    for (const { reading } of batch) {
      const day = Math.floor(reading.tsMs / DAY_MS) * DAY_MS;
      if (!this.partitions.has(day)) days.add(day);
    }
    if (days.size === 0) return;
    await inTransaction(this.pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [PARTITION_LOCK]);
      for (const day of days) {
        await client.query(`CREATE TABLE IF NOT EXISTS ${partitionName(day)} PARTITION OF readings FOR VALUES FROM (${day}) TO (${day + DAY_MS})`);
      }
    });
    for (const day of days) this.partitions.add(day);
  }

  /** The database said no or is away: the batch goes back ahead of what came since, within the bound. */
  private keepForRetry(batch: Queued[], err: unknown): void {
    this.metrics.telemetryWriteErrors.inc({ sink: this.name });
    this.log.error({ err: (err as Error).message, readings: batch.length }, 'writing readings to PostgreSQL failed; will retry');
    this.queue = batch.concat(this.queue.slice(this.head));
    this.head = 0;
    this.waiting = this.queue.reduce((n, item) => n + (item.committed === undefined ? 0 : 1), 0);
    const over = this.queue.length - this.options.queueLimit;
    if (over > 0) this.dropOldest(over);
  }

  private dropOldest(count: number): void {
    const end = Math.min(this.queue.length, this.head + count);
    this.metrics.telemetryDropped.inc({ sink: this.name }, end - this.head);
    for (; this.head < end; this.head++) {
      const item = this.queue[this.head]!;
      if (item.committed === undefined) continue;
      this.waiting--;
      // A reading someone waits for was dropped: they hear so, and send it again.
      item.committed(new Error('readings queue full'));
    }
    // Compacts now and then, so the dropped items do not pile up.
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    const now = this.now();
    if (now - this.lastDropLogMs < 60_000) return;
    this.lastDropLogMs = now;
    this.log.warn({ queueLimit: this.options.queueLimit }, 'readings queue full: dropping the oldest readings');
  }
}
