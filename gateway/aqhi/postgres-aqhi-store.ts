import type { IndexUpdate, Pollutant } from '../../rules/aqhi/index.js';
import type { PostgresPool } from '../store/postgres-database.js';
import type { AqhiStore, HourValue, StationHourMeans } from './sqlite-aqhi-store.js';

const STATE_KEY = 'aqhi-service';

/**
 * Told at the commit of each change, for the gateways that show the index without computing it:
 * the payload is a station whose hourly values changed, or '' when the saved state did.
 */
export const AQHI_CHANGED_CHANNEL = 'aqhi_changed';
const updates = (rows: { body: string }[]): IndexUpdate[] => rows.map((r) => JSON.parse(r.body) as IndexUpdate);

/** Tables `aqhi_hourly`, `aqhi_state` and `aqhi_hour_means` in PostgreSQL. */
export class PostgresAqhiStore implements AqhiStore {
  constructor(private readonly pool: PostgresPool) {}

  /** One statement, telling each station changed at its commit; a station-hour given twice keeps its last result. */
  async saveHours(list: readonly IndexUpdate[], savedAtMs: number): Promise<void> {
    const last = new Map(list.map((u) => [`${u.stationId}\u0000${u.hourStartMs}`, u]));
    if (last.size === 0) return;
    const rows = [...last.values()];
    await this.pool.query(
      `WITH saved AS (
         INSERT INTO aqhi_hourly (station_id, hour_start_ms, value, band, high, provisional, profile, body, updated_at_ms)
         SELECT s, h, v, b, hi, p, pr, body, $9 FROM unnest($1::text[], $2::bigint[], $3::float8[], $4::int[], $5::bool[], $6::bool[], $7::text[], $8::text[])
           AS u(s, h, v, b, hi, p, pr, body)
         ON CONFLICT (station_id, hour_start_ms) DO UPDATE SET value = excluded.value, band = excluded.band, high = excluded.high,
           provisional = excluded.provisional, profile = excluded.profile, body = excluded.body, updated_at_ms = excluded.updated_at_ms
         RETURNING station_id)
       SELECT pg_notify('${AQHI_CHANGED_CHANNEL}', station_id) FROM (SELECT DISTINCT station_id FROM saved) AS changed`,
      [
        rows.map((u) => u.stationId),
        rows.map((u) => u.hourStartMs),
        rows.map((u) => u.value),
        rows.map((u) => u.band),
        rows.map((u) => u.high),
        rows.map((u) => u.provisional),
        rows.map((u) => `${u.profile.name}@${u.profile.version}`),
        rows.map((u) => JSON.stringify(u)),
        savedAtMs,
      ],
    );
  }

  async hours(stationId: string, fromMs: number, toMs: number): Promise<IndexUpdate[]> {
    return updates((await this.pool.query<{ body: string }>('SELECT body FROM aqhi_hourly WHERE station_id = $1 AND hour_start_ms BETWEEN $2 AND $3 ORDER BY hour_start_ms', [stationId, fromMs, toMs])).rows);
  }

  async latest(stationId: string): Promise<IndexUpdate | undefined> {
    return updates((await this.pool.query<{ body: string }>('SELECT body FROM aqhi_hourly WHERE station_id = $1 ORDER BY hour_start_ms DESC LIMIT 1', [stationId])).rows)[0];
  }

  async latestOfEach(): Promise<IndexUpdate[]> {
    return updates((await this.pool.query<{ body: string }>('SELECT DISTINCT ON (station_id) body FROM aqhi_hourly ORDER BY station_id, hour_start_ms DESC')).rows);
  }

  async saveState(state: unknown, savedAtMs: number): Promise<void> {
    await this.pool.query(
      `WITH saved AS (INSERT INTO aqhi_state (key, body, saved_at_ms) VALUES ($1, $2, $3) ON CONFLICT (key) DO UPDATE SET body = excluded.body, saved_at_ms = excluded.saved_at_ms RETURNING key)
       SELECT pg_notify('${AQHI_CHANGED_CHANNEL}', '') FROM saved`,
      [
      STATE_KEY,
      JSON.stringify(state),
      savedAtMs,
    ]);
  }

  async loadState(): Promise<unknown> {
    const { rows } = await this.pool.query<{ body: string }>('SELECT body FROM aqhi_state WHERE key = $1', [STATE_KEY]);
    return rows[0] === undefined ? undefined : (JSON.parse(rows[0].body) as unknown);
  }

  async hourValues(stationId: string, fromMs: number, toMs: number): Promise<HourValue[]> {
    const { rows } = await this.pool.query<{ hour_start_ms: string; value: number | null; primary_pollutants: string | null }>(
      `SELECT hour_start_ms, value, (body::jsonb -> 'primaryPollutants')::text AS primary_pollutants FROM aqhi_hourly
       WHERE station_id = $1 AND hour_start_ms BETWEEN $2 AND $3 ORDER BY hour_start_ms`,
      [stationId, fromMs, toMs],
    );
    return rows.map((r) => ({
      hourStartMs: Number(r.hour_start_ms),
      value: r.value,
      primaryPollutants: r.primary_pollutants === null || r.primary_pollutants === 'null' ? [] : (JSON.parse(r.primary_pollutants) as Pollutant[]),
    }));
  }

  async saveMeans(list: readonly StationHourMeans[]): Promise<void> {
    const last = new Map(list.map((m) => [`${m.stationId}\u0000${m.hourStartMs}`, m]));
    if (last.size === 0) return;
    const rows = [...last.values()];
    await this.pool.query(
      `INSERT INTO aqhi_hour_means (station_id, hour_start_ms, body) SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[])
       ON CONFLICT (station_id, hour_start_ms) DO UPDATE SET body = excluded.body`,
      [rows.map((m) => m.stationId), rows.map((m) => m.hourStartMs), rows.map((m) => JSON.stringify(m.means))],
    );
  }

  async means(stationId: string, fromMs: number, toMs: number): Promise<StationHourMeans[]> {
    const { rows } = await this.pool.query<{ hour_start_ms: string; body: string }>(
      'SELECT hour_start_ms, body FROM aqhi_hour_means WHERE station_id = $1 AND hour_start_ms BETWEEN $2 AND $3 ORDER BY hour_start_ms',
      [stationId, fromMs, toMs],
    );
    return rows.map((r) => ({ stationId, hourStartMs: Number(r.hour_start_ms), means: JSON.parse(r.body) as Partial<Record<Pollutant, number>> }));
  }

  async pruneBefore(hourStartMs: number): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>(
      `WITH means AS (DELETE FROM aqhi_hour_means WHERE hour_start_ms < $1), hours AS (DELETE FROM aqhi_hourly WHERE hour_start_ms < $1 RETURNING 1)
       SELECT count(*) AS n FROM hours`,
      [hourStartMs],
    );
    return Number(rows[0]!.n);
  }
}
