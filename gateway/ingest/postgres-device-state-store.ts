import type { DeviceEvent, StatusUpdate } from '../../sensors/index.js';
import type { PostgresPool } from '../store/postgres-database.js';
import type { DeviceStateStore, DeviceStatusRow } from './device-state-store.js';

/**
 * Device events, reported status and last-seen times in PostgreSQL. As in the embedded store,
 * `seen` is noted in memory and written at the next `flush`; `open` reads the times already kept.
 */
export class PostgresDeviceStateStore implements DeviceStateStore {
  private readonly lastSeen = new Map<string, number>();
  private dirty = new Set<string>();

  private constructor(private readonly pool: PostgresPool) {}

  static async open(pool: PostgresPool): Promise<PostgresDeviceStateStore> {
    const store = new PostgresDeviceStateStore(pool);
    const { rows } = await pool.query<{ device_id: string; last_seen_ms: string }>('SELECT device_id, last_seen_ms FROM device_status WHERE last_seen_ms IS NOT NULL');
    for (const row of rows) store.lastSeen.set(row.device_id, Number(row.last_seen_ms));
    return store;
  }

  seen(deviceId: string, atMs: number): void {
    this.lastSeen.set(deviceId, atMs);
    this.dirty.add(deviceId);
  }

  lastSeenMs(deviceId: string): Promise<number | undefined> {
    return Promise.resolve(this.lastSeen.get(deviceId));
  }

  async recordEvent(event: DeviceEvent): Promise<number> {
    const { rows } = await this.pool.query<{ seq: string }>(
      'INSERT INTO device_events (device_id, kind, ts_ms, received_at_ms, body) VALUES ($1, $2, $3, $4, $5) RETURNING seq',
      [event.deviceId, event.kind, event.tsMs, event.receivedAtMs, JSON.stringify(event.event)],
    );
    return Number(rows[0]!.seq);
  }

  async recordStatus(status: StatusUpdate): Promise<void> {
    await this.pool.query(
      `INSERT INTO device_status (device_id, online, bat, fw, changed_at_ms, last_seen_ms) VALUES ($1, $2, $3, $4, $5, $5)
       ON CONFLICT (device_id) DO UPDATE SET online = excluded.online, bat = COALESCE(excluded.bat, device_status.bat),
         fw = COALESCE(excluded.fw, device_status.fw), changed_at_ms = excluded.changed_at_ms, last_seen_ms = excluded.last_seen_ms`,
      [status.deviceId, status.online, status.bat ?? null, status.fw ?? null, status.receivedAtMs],
    );
  }

  async statusOf(deviceId: string): Promise<DeviceStatusRow | undefined> {
    const { rows } = await this.pool.query<{ online: boolean; bat: number | null; fw: string | null; changed_at_ms: string; last_seen_ms: string | null }>(
      'SELECT online, bat, fw, changed_at_ms, last_seen_ms FROM device_status WHERE device_id = $1',
      [deviceId],
    );
    const row = rows[0];
    if (row === undefined) return undefined;
    const lastSeenMs = Math.max(Number(row.last_seen_ms ?? 0), this.lastSeen.get(deviceId) ?? 0) || null;
    return { online: row.online, bat: row.bat, fw: row.fw, changedAtMs: Number(row.changed_at_ms), lastSeenMs };
  }

  async events(deviceId: string, fromMs: number, toMs: number, limit: number): Promise<{ tsMs: number; receivedAtMs: number; event: unknown }[]> {
    const { rows } = await this.pool.query<{ ts_ms: string; received_at_ms: string; body: string }>(
      'SELECT ts_ms, received_at_ms, body FROM device_events WHERE device_id = $1 AND ts_ms BETWEEN $2 AND $3 ORDER BY ts_ms, seq LIMIT $4',
      [deviceId, fromMs, toMs, limit],
    );
    return rows.map((r) => ({ tsMs: Number(r.ts_ms), receivedAtMs: Number(r.received_at_ms), event: JSON.parse(r.body) as unknown }));
  }

  forget(deviceIds: readonly string[]): Promise<void> {
    for (const id of deviceIds) {
      this.lastSeen.delete(id);
      this.dirty.delete(id);
    }
    return Promise.resolve();
  }

  /** One statement for every device noted since the last flush; a later time is never overwritten by an earlier one. */
  async flush(): Promise<void> {
    if (this.dirty.size === 0) return;
    const ids = [...this.dirty].filter((id) => this.lastSeen.has(id));
    this.dirty = new Set();
    const times = ids.map((id) => this.lastSeen.get(id)!);
    try {
      await this.pool.query(
        `INSERT INTO device_status (device_id, online, changed_at_ms, last_seen_ms) SELECT id, true, at, at FROM unnest($1::text[], $2::bigint[]) AS u(id, at)
         ON CONFLICT (device_id) DO UPDATE SET last_seen_ms = GREATEST(COALESCE(device_status.last_seen_ms, 0), excluded.last_seen_ms)`,
        [ids, times],
      );
    } catch (err) {
      // Not written: noted again for the next flush.
      for (const id of ids) this.dirty.add(id);
      throw err;
    }
  }
}
