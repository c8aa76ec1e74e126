import type { Logger } from 'pino';
import type { Reading } from '../../sensors/index.js';
import type { GatewayMetrics } from '../metrics.js';
import type { SqliteDatabase } from '../store/sqlite-database.js';
import type { ReadingQuery, StoredReading, TelemetryReader, TelemetrySink } from './telemetry-store.js';

export interface SqliteTelemetryOptions {
  retentionDays: number;
  queueLimit: number;
  flushIntervalMs: number;
  now?: () => number;
}

const HOUR_MS = 3600_000;

/**
 * The embedded, retention-bounded readings table. Writes are queued and committed in batches,
 * one transaction per flush, so ingestion never waits on the disk.
 */
export class SqliteTelemetryStore implements TelemetrySink, TelemetryReader {
  readonly name = 'sqlite';
  private queue: Reading[] = [];
  /** Readings before this index were dropped; shifting a full array would cost O(n) per reading. */
  private head = 0;
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
    this.insert = db.prepare('INSERT INTO readings (device_id, kind, ts_ms, received_at_ms, body) VALUES (?, ?, ?, ?, ?)');
    metrics.telemetryQueued.probe = () => this.queue.length - this.head;
    this.flushTimer = setInterval(() => this.flushNow(), options.flushIntervalMs);
    this.retentionTimer = setInterval(() => this.applyRetention(), HOUR_MS);
    this.flushTimer.unref();
    this.retentionTimer.unref();
    this.applyRetention();
  }

  write(reading: Reading): void {
    if (this.closed) return;
    if (this.queue.length - this.head >= this.options.queueLimit) {
      this.head++;
      this.metrics.telemetryDropped.inc({ sink: this.name });
      this.logDrop();
    }
    this.queue.push(reading);
  }

  flush(): Promise<void> {
    this.flushNow();
    return Promise.resolve();
  }

  async close(): Promise<void> {
    clearInterval(this.flushTimer);
    clearInterval(this.retentionTimer);
    this.flushNow();
    this.closed = true;
  }

  readings(deviceId: string, query: ReadingQuery): StoredReading[] {
    this.flushNow();
    const rows = this.db
      .prepare('SELECT kind, ts_ms, received_at_ms, body FROM readings WHERE device_id = ? AND ts_ms >= ? AND ts_ms <= ? ORDER BY ts_ms ASC, rowid ASC LIMIT ?')
      .all(deviceId, query.fromMs, query.toMs, query.limit) as { kind: StoredReading['kind']; ts_ms: number; received_at_ms: number; body: string }[];
    return rows.map((row) => ({
      deviceId,
      kind: row.kind,
      tsMs: row.ts_ms,
      receivedAtMs: row.received_at_ms,
      values: JSON.parse(row.body) as Record<string, unknown>,
    }));
  }

  /** Deletes readings older than the retention; returns how many went. */
  applyRetention(): number {
    const cutoff = this.now() - this.options.retentionDays * 24 * HOUR_MS;
    return this.db.prepare('DELETE FROM readings WHERE ts_ms < ?').run(cutoff).changes;
  }

  private flushNow(): void {
    if (this.queue.length === this.head) return;
    const batch = this.head === 0 ? this.queue : this.queue.slice(this.head);
    this.queue = [];
    this.head = 0;
    try {
      this.db.transaction(() => {
        for (const r of batch) this.insert.run(r.deviceId, r.kind, r.tsMs, r.receivedAtMs, JSON.stringify(r.values));
      })();
      this.metrics.telemetryWritten.inc({ sink: this.name }, batch.length);
    } catch (err) {
      // The disk said no (full, locked): keep the batch for the next flush, within the bound.
      this.metrics.telemetryWriteErrors.inc({ sink: this.name });
      this.log.error({ err, readings: batch.length }, 'writing readings to the embedded store failed; will retry');
      const room = Math.max(0, this.options.queueLimit - this.queue.length);
      const kept = batch.slice(Math.max(0, batch.length - room));
      this.metrics.telemetryDropped.inc({ sink: this.name }, batch.length - kept.length);
      this.queue = kept.concat(this.queue);
    }
  }

  private logDrop(): void {
    const now = this.now();
    if (now - this.lastDropLogMs < 60_000) return;
    this.lastDropLogMs = now;
    this.log.warn({ queueLimit: this.options.queueLimit }, 'embedded readings queue full: dropping the oldest readings');
  }
}
