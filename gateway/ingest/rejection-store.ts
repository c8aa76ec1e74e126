import type { SqliteDatabase } from '../store/sqlite-database.js';

export interface DeviceRejectionStat {
  reason: string;
  count: number;
  lastAtMs: number;
  lastMessage: string;
}

/** Refusals of one (device, reason) counted since the last write. */
export interface RejectionCount extends DeviceRejectionStat {
  deviceId: string;
}

/** Refused messages counted per device and reason, for the device's page. */
export interface RejectionStore {
  /** Adds each count to its (device, reason), the last time and message replacing the earlier; in one write. */
  add(counts: readonly RejectionCount[]): Promise<void>;
  /** A device's counts, by reason. */
  statsOf(deviceId: string): Promise<DeviceRejectionStat[]>;
}

/** Table `device_rejections`. */
export class SqliteRejectionStore implements RejectionStore {
  private readonly upsert;
  private readonly select;

  constructor(private readonly db: SqliteDatabase) {
    this.upsert = db.prepare(
      `INSERT INTO device_rejections (device_id, reason, count, last_at_ms, last_message) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (device_id, reason) DO UPDATE SET count = count + excluded.count, last_at_ms = excluded.last_at_ms, last_message = excluded.last_message`,
    );
    this.select = db.prepare('SELECT reason, count, last_at_ms, last_message FROM device_rejections WHERE device_id = ? ORDER BY reason');
  }

  async add(counts: readonly RejectionCount[]): Promise<void> {
    if (counts.length === 0) return;
    this.db.transaction(() => {
      for (const c of counts) this.upsert.run(c.deviceId, c.reason, c.count, c.lastAtMs, c.lastMessage);
    })();
  }

  async statsOf(deviceId: string): Promise<DeviceRejectionStat[]> {
    return (this.select.all(deviceId) as { reason: string; count: number; last_at_ms: number; last_message: string }[]).map((r) => ({
      reason: r.reason,
      count: r.count,
      lastAtMs: r.last_at_ms,
      lastMessage: r.last_message,
    }));
  }
}
