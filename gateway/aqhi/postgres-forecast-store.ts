import type { ScoredPair } from '../../rules/aqhi/index.js';
import type { PostgresPool } from '../store/postgres-database.js';
import type { OfficialForecast } from './forecast-schema.js';
import type { ForecastStore, LoggedForecast } from './forecast-store.js';

/** Tables `aqhi_forecast_log` and `aqhi_official_forecasts` in PostgreSQL, scored on the final hours of `aqhi_hourly` beside them. */
export class PostgresForecastStore implements ForecastStore {
  constructor(private readonly pool: PostgresPool) {}

  /** One statement; a forecast already kept for (station, issued hour, lead) stays as it was. */
  async log(rows: readonly LoggedForecast[]): Promise<void> {
    if (rows.length === 0) return;
    await this.pool.query(
      `INSERT INTO aqhi_forecast_log (station_id, issued_hour_ms, lead_hours, target_hour_ms, model, persistence)
       SELECT * FROM unnest($1::text[], $2::bigint[], $3::int[], $4::bigint[], $5::float8[], $6::float8[]) ON CONFLICT DO NOTHING`,
      [rows.map((r) => r.stationId), rows.map((r) => r.issuedHourMs), rows.map((r) => r.leadHours), rows.map((r) => r.targetHourMs), rows.map((r) => r.model), rows.map((r) => r.persistence)],
    );
  }

  async pairs(stationId: string, fromMs: number, toMs: number): Promise<ScoredPair[]> {
    const { rows } = await this.pool.query<ScoredPair>(
      `SELECT l.lead_hours AS "leadHours", l.model AS model, l.persistence AS persistence, h.value AS actual
         FROM aqhi_forecast_log l JOIN aqhi_hourly h ON h.station_id = l.station_id AND h.hour_start_ms = l.target_hour_ms
        WHERE l.station_id = $1 AND l.target_hour_ms BETWEEN $2 AND $3 AND h.value IS NOT NULL AND NOT h.provisional
        ORDER BY l.target_hour_ms, l.lead_hours`,
      [stationId, fromMs, toMs],
    );
    return rows;
  }

  async values(stationId: string, fromMs: number, toMs: number): Promise<Map<number, number>> {
    const { rows } = await this.pool.query<{ hour: string; value: number }>(
      'SELECT hour_start_ms AS hour, value FROM aqhi_hourly WHERE station_id = $1 AND hour_start_ms BETWEEN $2 AND $3 AND value IS NOT NULL AND NOT provisional',
      [stationId, fromMs, toMs],
    );
    return new Map(rows.map((r) => [Number(r.hour), r.value]));
  }

  async saveOfficial(stationId: string, forecast: OfficialForecast): Promise<void> {
    await this.pool.query(
      `INSERT INTO aqhi_official_forecasts (station_id, body, issued_at_ms, valid_until_ms) VALUES ($1, $2, $3, $4)
       ON CONFLICT (station_id) DO UPDATE SET body = excluded.body, issued_at_ms = excluded.issued_at_ms, valid_until_ms = excluded.valid_until_ms`,
      [stationId, JSON.stringify(forecast), Date.parse(forecast.issuedAt), Date.parse(forecast.validUntil)],
    );
  }

  async official(stationId: string): Promise<OfficialForecast | undefined> {
    const { rows } = await this.pool.query<{ body: string }>('SELECT body FROM aqhi_official_forecasts WHERE station_id = $1', [stationId]);
    return rows[0] === undefined ? undefined : (JSON.parse(rows[0].body) as OfficialForecast);
  }

  async pruneBefore(ms: number): Promise<void> {
    await this.pool.query('DELETE FROM aqhi_forecast_log WHERE target_hour_ms < $1', [ms]);
  }
}
