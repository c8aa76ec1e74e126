import type { Logger } from 'pino';
import type { Reading } from '../../sensors/index.js';
import type { GatewayMetrics } from '../metrics.js';
import type { SqliteDatabase } from '../store/sqlite-database.js';
import type { Committed, ReadingQuery, StoredReading, TelemetryReader, TelemetrySink } from './telemetry-store.js';

export interface SqliteTelemetryOptions {
  retentionDays: number;
  queueLimit: number;
  flushIntervalMs: number;
  /** Readings waiting for their commit (QoS 1) that start a flush at once instead of at the next tick. */
  batchSize: number;
  now?: () => number;
}

/** A reading's place in the queue (absolute index) and who waits for its commit. */
interface Waiter {
  at: number;
  committed: Committed;
}

const HOUR_MS = 3600_000;
/**
 * A chunk covers at most this much device time, so a query for a time range reads only chunks
 * starting within this much before it.
 */
export const CHUNK_SPAN_MS = HOUR_MS;
/** And holds at most this many readings, so a query never parses much it does not return. */
export const CHUNK_READINGS = 1000;

/** One reading in a chunk's body: device time, receive time, values. */
type ChunkEntry = [tsMs: number, receivedAtMs: number, values: Reading['values']];

interface ChunkRow {
  rowid: number;
  kind: StoredReading['kind'];
  first_ts_ms: number;
  body: string;
}

/** A reading found by a query, with what orders it among equal times: the order it was stored in. */
interface Candidate {
  reading: StoredReading;
  chunk: number;
  index: number;
}

const byTimeThenStored = (a: Candidate, b: Candidate): number => a.reading.tsMs - b.reading.tsMs || a.chunk - b.chunk || a.index - b.index;

export class SqliteTelemetryStore implements TelemetrySink, TelemetryReader {
  readonly name = 'sqlite';
  private queue: Reading[] = [];
  /** Readings before this index were dropped; shifting a full array would cost O(n) per reading. */
  private head = 0;
  /** Acknowledgements waiting for the next commit, oldest first: group commit. */
  private waiters: Waiter[] = [];
  private flushSoon: NodeJS.Immediate | undefined;
  private readonly flushTimer: NodeJS.Timeout;
  private readonly retentionTimer: NodeJS.Timeout;
  private readonly insert;
  private readonly now: () => number;
  private lastDropLogMs = 0;
  private closed = false;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly options: SqliteTelemetryOptions,
    private readonly metrics: GatewayMetrics,
    private readonly log: Logger,
  ) {
    this.now = options.now ?? Date.now;
    this.insert = db.prepare('INSERT INTO reading_chunks (device_id, kind, first_ts_ms, last_ts_ms, count, body) VALUES (?, ?, ?, ?, ?, ?)');
    metrics.telemetryQueued.probe = () => this.queue.length - this.head;
    this.flushTimer = setInterval(() => this.flushNow(), options.flushIntervalMs);
    this.retentionTimer = setInterval(() => this.applyRetention(), HOUR_MS);
    this.flushTimer.unref();
    this.retentionTimer.unref();
    this.applyRetention();
  }

  write(reading: Reading, committed?: Committed): void {
    if (this.closed) {
      committed?.(new Error('the readings store is closed'));
      return;
    }
    if (this.queue.length - this.head >= this.options.queueLimit) {
      this.head++;
      this.metrics.telemetryDropped.inc({ sink: this.name });
      this.logDrop();
      // A reading someone waits for was dropped: they hear so, and send it again.
      if (this.waiters.length > 0 && this.waiters[0]!.at < this.head) this.waiters.shift()!.committed(new Error('readings queue full'));
    }
    if (committed !== undefined) {
      this.waiters.push({ at: this.queue.length, committed });
      if (this.waiters.length >= this.options.batchSize && this.flushSoon === undefined) this.flushSoon = setImmediate(() => this.flushNow());
    }
    this.queue.push(reading);
  }

  flush(): Promise<void> {
    this.flushNow();
    return Promise.resolve();
  }

  /** Writes what is queued now, before the caller's next step (rows about to be erased). */
  writeQueued(): void {
    this.flushNow();
  }

  async close(): Promise<void> {
    clearInterval(this.flushTimer);
    clearInterval(this.retentionTimer);
    this.flushNow();
    this.closed = true;
    // A store that could not write its last batch: nobody is told it was stored.
    for (const waiter of this.waiters.splice(0)) waiter.committed(new Error('the readings store is closed'));
  }

  /** Oldest first (equal times in the order stored), at most `limit`. */
  readings(deviceId: string, query: ReadingQuery): StoredReading[] {
    this.flushNow();
    const rows = this.db
      .prepare(
        `SELECT rowid, kind, first_ts_ms, body FROM reading_chunks
         WHERE device_id = ? AND first_ts_ms >= ? AND first_ts_ms <= ? AND last_ts_ms >= ?
         ORDER BY first_ts_ms ASC, rowid ASC`,
      )
      .iterate(deviceId, query.fromMs - CHUNK_SPAN_MS, query.toMs, query.fromMs) as IterableIterator<ChunkRow>;
    let found: Candidate[] = [];
    for (const row of rows) {
      if (found.length >= query.limit) {
        // Chunks come by their first time: once one starts after the limit-th reading so far,
        // neither it nor any later chunk can change the answer.
        found.sort(byTimeThenStored);
        found = found.slice(0, query.limit);
        if (row.first_ts_ms > found[found.length - 1]!.reading.tsMs) break;
      }
      const entries = JSON.parse(row.body) as ChunkEntry[];
      for (let index = 0; index < entries.length; index++) {
        const [tsMs, receivedAtMs, values] = entries[index]!;
        if (tsMs < query.fromMs || tsMs > query.toMs) continue;
        found.push({ reading: { deviceId, kind: row.kind, tsMs, receivedAtMs, values: values as Record<string, unknown> }, chunk: row.rowid, index });
      }
    }
    return found
      .sort(byTimeThenStored)
      .slice(0, query.limit)
      .map((c) => c.reading);
  }

  /** Deletes chunks whose every reading is older than the retention; returns how many went. */
  applyRetention(): number {
    const cutoff = this.now() - this.options.retentionDays * 24 * HOUR_MS;
    return this.db.prepare('DELETE FROM reading_chunks WHERE last_ts_ms < ?').run(cutoff).changes;
  }

  private flushNow(): void {
    if (this.flushSoon !== undefined) {
      clearImmediate(this.flushSoon);
      this.flushSoon = undefined;
    }
    if (this.queue.length === this.head) return;
    const batch = this.head === 0 ? this.queue : this.queue.slice(this.head);
    const dropped = this.head;
    const waiters = this.waiters;
    this.queue = [];
    this.head = 0;
    this.waiters = [];
    try {
      const chunks = chunksOf(batch);
      this.db.transaction(() => {
        for (const c of chunks) {
          const entries: ChunkEntry[] = c.readings.map((r) => [r.tsMs, r.receivedAtMs, r.values]);
          this.insert.run(c.deviceId, c.kind, c.readings[0]!.tsMs, c.readings[c.readings.length - 1]!.tsMs, c.readings.length, JSON.stringify(entries));
        }
      })();
      this.metrics.telemetryWritten.inc({ sink: this.name }, batch.length);
    } catch (err) {
      this.keepForRetry(batch, dropped, waiters, err);
      return;
    }
    // Committed: now, and not before, the devices hear their readings are stored.
    for (const waiter of waiters) waiter.committed();
  }

  /** The disk said no (full, locked): keep the batch for the next flush, within the bound. */
  private keepForRetry(batch: Reading[], dropped: number, waiters: Waiter[], err: unknown): void {
    this.metrics.telemetryWriteErrors.inc({ sink: this.name });
    this.log.error({ err, readings: batch.length }, 'writing readings to the embedded store failed; will retry');
    // Nothing was written since the flush began (it is synchronous): the queue is empty here.
    const kept = batch.slice(Math.max(0, batch.length - this.options.queueLimit));
    this.metrics.telemetryDropped.inc({ sink: this.name }, batch.length - kept.length);
    this.queue = kept;
    // Waiters keep waiting (a slow store is back-pressure); those whose reading went are told.
    const shift = dropped + batch.length - kept.length;
    for (const waiter of waiters) {
      const at = waiter.at - shift;
      if (at < 0) waiter.committed(new Error('readings queue full'));
      else this.waiters.push({ at, committed: waiter.committed });
    }
  }

  private logDrop(): void {
    const now = this.now();
    if (now - this.lastDropLogMs < 60_000) return;
    this.lastDropLogMs = now;
    this.log.warn({ queueLimit: this.options.queueLimit }, 'embedded readings queue full: dropping the oldest readings');
  }
}

interface Chunk {
  deviceId: string;
  kind: Reading['kind'];
  /** By device time; equal times in arrival order. */
  readings: Reading[];
}

/**
 * Groups a flush by device (and kind), sorted by device time, cut where a chunk would span more
 * than CHUNK_SPAN_MS or hold more than CHUNK_READINGS.
 */
export function chunksOf(batch: readonly Reading[]): Chunk[] {
  const byDevice = new Map<string, Reading[]>();
  for (const r of batch) {
    const key = `${r.deviceId}\u0000${r.kind}`;
    const list = byDevice.get(key);
    if (list === undefined) byDevice.set(key, [r]);
    else list.push(r);
  }
  const chunks: Chunk[] = [];
  for (const readings of byDevice.values()) {
    // Array.prototype.sort is stable: equal times keep their arrival order.
    readings.sort((a, b) => a.tsMs - b.tsMs);
    let start = 0;
    for (let i = 1; i <= readings.length; i++) {
      const cut = i === readings.length || i - start >= CHUNK_READINGS || readings[i]!.tsMs - readings[start]!.tsMs > CHUNK_SPAN_MS;
      if (!cut) continue;
      const first = readings[start]!;
      chunks.push({ deviceId: first.deviceId, kind: first.kind, readings: start === 0 && i === readings.length ? readings : readings.slice(start, i) });
      start = i;
    }
  }
  return chunks;
}
