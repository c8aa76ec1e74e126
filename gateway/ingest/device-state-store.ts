import type { DeviceEvent, StatusUpdate } from '../../sensors/index.js';
import type { SqliteDatabase } from '../store/sqlite-database.js';
import { settle } from '../store/settle.js';

export interface DeviceStatusRow {
  online: boolean;
  bat: number | null;
  fw: string | null;
  changedAtMs: number;
  lastSeenMs: number | null;
}

/**
 * Device events, reported status, and when each device was last heard from. `seen` is the one
 * call that answers at once: it runs for every message on the way in, and every adapter notes it
 * in memory and writes it at the next `flush` (silence is measured in minutes, not messages).
 */
export interface DeviceStateStore {
  /** Notes the device was heard from; kept by the next `flush`. */
  seen(deviceId: string, atMs: number): void;
  lastSeenMs(deviceId: string): Promise<number | undefined>;
  /** Stores an event at once; resolves to its sequence number, growing with each event, once it is kept. */
  recordEvent(event: DeviceEvent): Promise<number>;
  /** The latest status; a status without `bat` or `fw` keeps the earlier one. */
  recordStatus(status: StatusUpdate): Promise<void>;
  statusOf(deviceId: string): Promise<DeviceStatusRow | undefined>;
  /** Events with fromMs ≤ tsMs ≤ toMs, by device time then arrival; at most `limit`. */
  events(deviceId: string, fromMs: number, toMs: number, limit: number): Promise<{ tsMs: number; receivedAtMs: number; event: unknown }[]>;
  /** Drops what is kept in memory of devices that were removed (their rows go with them). */
  forget(deviceIds: readonly string[]): Promise<void>;
  /** Writes the last-seen times noted since the previous flush. */
  flush(): Promise<void>;
}

/**
 * Device events (written at once, synchronously), reported status, and when each device was
 * last heard from (kept in memory, written every few seconds: silence is measured in minutes).
 * Each method does its work inside the call and answers with a settled promise.
 */
export class SqliteDeviceStateStore implements DeviceStateStore {
  private readonly lastSeen = new Map<string, number>();
  private dirty = new Set<string>();
  private readonly insertEvent;
  private readonly upsertStatus;
  private readonly updateSeen;

  constructor(private readonly db: SqliteDatabase) {
    this.insertEvent = db.prepare('INSERT INTO device_events (device_id, kind, ts_ms, received_at_ms, body) VALUES (?, ?, ?, ?, ?)');
    this.upsertStatus = db.prepare(
      `INSERT INTO device_status (device_id, online, bat, fw, changed_at_ms, last_seen_ms) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (device_id) DO UPDATE SET online = excluded.online, bat = COALESCE(excluded.bat, bat), fw = COALESCE(excluded.fw, fw),
         changed_at_ms = excluded.changed_at_ms, last_seen_ms = excluded.last_seen_ms`,
    );
    this.updateSeen = db.prepare(
      `INSERT INTO device_status (device_id, online, changed_at_ms, last_seen_ms) VALUES (?, 1, ?, ?)
       ON CONFLICT (device_id) DO UPDATE SET last_seen_ms = MAX(COALESCE(last_seen_ms, 0), excluded.last_seen_ms)`,
    );
    for (const row of db.prepare('SELECT device_id, last_seen_ms FROM device_status WHERE last_seen_ms IS NOT NULL').all() as { device_id: string; last_seen_ms: number }[]) {
      this.lastSeen.set(row.device_id, row.last_seen_ms);
    }
  }

  seen(deviceId: string, atMs: number): void {
    this.lastSeen.set(deviceId, atMs);
    this.dirty.add(deviceId);
  }

  lastSeenMs(deviceId: string): Promise<number | undefined> {
    return Promise.resolve(this.lastSeen.get(deviceId));
  }

  recordEvent(event: DeviceEvent): Promise<number> {
    return settle(() => Number(this.insertEvent.run(event.deviceId, event.kind, event.tsMs, event.receivedAtMs, JSON.stringify(event.event)).lastInsertRowid));
  }

  recordStatus(status: StatusUpdate): Promise<void> {
    return settle(() => {
      this.upsertStatus.run(status.deviceId, status.online ? 1 : 0, status.bat ?? null, status.fw ?? null, status.receivedAtMs, status.receivedAtMs);
    });
  }

  statusOf(deviceId: string): Promise<DeviceStatusRow | undefined> {
    return settle(() => this.statusNow(deviceId));
  }

  private statusNow(deviceId: string): DeviceStatusRow | undefined {
    const row = this.db.prepare('SELECT online, bat, fw, changed_at_ms, last_seen_ms FROM device_status WHERE device_id = ?').get(deviceId) as
      | { online: number; bat: number | null; fw: string | null; changed_at_ms: number; last_seen_ms: number | null }
      | undefined;
    if (row === undefined) return undefined;
    const lastSeenMs = Math.max(row.last_seen_ms ?? 0, this.lastSeen.get(deviceId) ?? 0) || null;
    return { online: row.online === 1, bat: row.bat, fw: row.fw, changedAtMs: row.changed_at_ms, lastSeenMs };
  }

  events(deviceId: string, fromMs: number, toMs: number, limit: number): Promise<{ tsMs: number; receivedAtMs: number; event: unknown }[]> {
    return settle(() =>
      (
        this.db.prepare('SELECT ts_ms, received_at_ms, body FROM device_events WHERE device_id = ? AND ts_ms BETWEEN ? AND ? ORDER BY ts_ms, seq LIMIT ?').all(deviceId, fromMs, toMs, limit) as {
          ts_ms: number;
          received_at_ms: number;
          body: string;
        }[]
      ).map((r) => ({ tsMs: r.ts_ms, receivedAtMs: r.received_at_ms, event: JSON.parse(r.body) as unknown })),
    );
  }

  /** Drops what is kept in memory of devices that were removed (their rows go with them). */
  forget(deviceIds: readonly string[]): Promise<void> {
    for (const id of deviceIds) {
      this.lastSeen.delete(id);
      this.dirty.delete(id);
    }
    return Promise.resolve();
  }

  flush(): Promise<void> {
    if (this.dirty.size === 0) return Promise.resolve();
    const ids = [...this.dirty];
    this.dirty = new Set();
    return settle(() => {
      this.db.transaction(() => {
        for (const id of ids) {
          const at = this.lastSeen.get(id);
          if (at !== undefined) this.updateSeen.run(id, at, at);
        }
      })();
    });
  }
}
