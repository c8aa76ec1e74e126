import type { PostgresPool } from '../store/postgres-database.js';
import type { DeviceRejectionStat, RejectionCount, RejectionStore } from './rejection-store.js';

/** Table `device_rejections` in PostgreSQL: every instance adds to the same counts. */
export class PostgresRejectionStore implements RejectionStore {
  constructor(private readonly pool: PostgresPool) {}

  /** One statement; a (device, reason) given twice in a call is summed first, its last message kept. */
  async add(counts: readonly RejectionCount[]): Promise<void> {
    const merged = new Map<string, RejectionCount>();
    for (const c of counts) {
      const key = `${c.deviceId}\u0000${c.reason}`;
      const before = merged.get(key);
      merged.set(key, before === undefined ? { ...c } : { ...c, count: before.count + c.count });
    }
    if (merged.size === 0) return;
    const rows = [...merged.values()];
    await this.pool.query(
      `INSERT INTO device_rejections (device_id, reason, count, last_at_ms, last_message)
       SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[])
       ON CONFLICT (device_id, reason) DO UPDATE SET count = device_rejections.count + excluded.count,
         last_at_ms = excluded.last_at_ms, last_message = excluded.last_message`,
      [rows.map((r) => r.deviceId), rows.map((r) => r.reason), rows.map((r) => r.count), rows.map((r) => r.lastAtMs), rows.map((r) => r.lastMessage)],
    );
  }

  async statsOf(deviceId: string): Promise<DeviceRejectionStat[]> {
    const { rows } = await this.pool.query<{ reason: string; count: string; last_at_ms: string; last_message: string }>(
      'SELECT reason, count, last_at_ms, last_message FROM device_rejections WHERE device_id = $1 ORDER BY reason',
      [deviceId],
    );
    return rows.map((r) => ({ reason: r.reason, count: Number(r.count), lastAtMs: Number(r.last_at_ms), lastMessage: r.last_message }));
  }
}
