import type { Logger } from 'pino';
import type { DeviceKind, Rejection } from '../../sensors/index.js';
import type { GatewayMetrics } from '../metrics.js';
import type { SqliteDatabase } from '../store/sqlite-database.js';

export interface DeviceRejectionStat {
  reason: string;
  count: number;
  lastAtMs: number;
  lastMessage: string;
}

const LOG_EVERY_MS = 60_000;

/**
 * Counts refused messages per device and reason (metrics by kind and reason; the per-device
 * table in the store), and logs each (device, reason) at most once a minute with its count.
 */
export class RejectionLog {
  private pending = new Map<string, { deviceId: string; reason: string; count: number; lastAtMs: number; lastMessage: string }>();
  private readonly lastLogged = new Map<string, { atMs: number; suppressed: number }>();
  private readonly upsert;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly metrics: GatewayMetrics,
    private readonly log: Logger,
  ) {
    this.upsert = db.prepare(
      `INSERT INTO device_rejections (device_id, reason, count, last_at_ms, last_message) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (device_id, reason) DO UPDATE SET count = count + excluded.count, last_at_ms = excluded.last_at_ms, last_message = excluded.last_message`,
    );
  }

  record(deviceId: string, kind: DeviceKind | 'unknown', rejection: Rejection, topic: string, atMs: number): void {
    this.metrics.messagesRejected.inc({ kind, reason: rejection.reason });
    const key = `${deviceId}\u0000${rejection.reason}`;
    const entry = this.pending.get(key);
    if (entry === undefined) {
      this.pending.set(key, { deviceId, reason: rejection.reason, count: 1, lastAtMs: atMs, lastMessage: rejection.message });
    } else {
      entry.count++;
      entry.lastAtMs = atMs;
      entry.lastMessage = rejection.message;
    }
    const logged = this.lastLogged.get(key);
    if (logged !== undefined && atMs - logged.atMs < LOG_EVERY_MS) {
      logged.suppressed++;
      return;
    }
    this.lastLogged.set(key, { atMs, suppressed: 0 });
    this.log.warn(
      { deviceId, topic, reason: rejection.reason, field: rejection.field, suppressedSinceLast: logged?.suppressed ?? 0 },
      `message refused: ${rejection.message}`,
    );
  }

  flush(): void {
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    this.db.transaction(() => {
      for (const e of batch) this.upsert.run(e.deviceId, e.reason, e.count, e.lastAtMs, e.lastMessage);
    })();
  }

  statsOf(deviceId: string): DeviceRejectionStat[] {
    this.flush();
    return (
      this.db.prepare('SELECT reason, count, last_at_ms, last_message FROM device_rejections WHERE device_id = ? ORDER BY reason').all(deviceId) as {
        reason: string;
        count: number;
        last_at_ms: number;
        last_message: string;
      }[]
    ).map((r) => ({ reason: r.reason, count: r.count, lastAtMs: r.last_at_ms, lastMessage: r.last_message }));
  }
}
