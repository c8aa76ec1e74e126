import type { ScoredPair } from '../../rules/aqhi/index.js';
import type { SqliteDatabase } from '../store/sqlite-database.js';
import type { OfficialForecast } from './forecast-schema.js';

/** A forecast as kept for scoring: made from hour `issuedHourMs`, for `targetHourMs`. */
export interface LoggedForecast {
  stationId: string;
  issuedHourMs: number;
  leadHours: number;
  targetHourMs: number;
  model: number | null;
  persistence: number;
}

/** Tables `aqhi_forecast_log` and `aqhi_official_forecasts`, and the final hourly values they are scored on. */
export class SqliteForecastStore {
  private readonly insertLog;
  private readonly selectPairs;
  private readonly selectValues;
  private readonly upsertOfficial;
  private readonly selectOfficial;

  constructor(private readonly db: SqliteDatabase) {
    this.insertLog = db.prepare(
      `INSERT INTO aqhi_forecast_log (station_id, issued_hour_ms, lead_hours, target_hour_ms, model, persistence) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (station_id, issued_hour_ms, lead_hours) DO NOTHING`,
    );
    this.selectPairs = db.prepare(
      `SELECT l.lead_hours AS leadHours, l.model AS model, l.persistence AS persistence, h.value AS actual
         FROM aqhi_forecast_log l JOIN aqhi_hourly h ON h.station_id = l.station_id AND h.hour_start_ms = l.target_hour_ms
        WHERE l.station_id = ? AND l.target_hour_ms BETWEEN ? AND ? AND h.value IS NOT NULL AND h.provisional = 0`,
    );
    this.selectValues = db.prepare(
      'SELECT hour_start_ms AS hour, value FROM aqhi_hourly WHERE station_id = ? AND hour_start_ms BETWEEN ? AND ? AND value IS NOT NULL AND provisional = 0',
    );
    this.upsertOfficial = db.prepare(
      `INSERT INTO aqhi_official_forecasts (station_id, body, issued_at_ms, valid_until_ms) VALUES (?, ?, ?, ?)
       ON CONFLICT (station_id) DO UPDATE SET body = excluded.body, issued_at_ms = excluded.issued_at_ms, valid_until_ms = excluded.valid_until_ms`,
    );
    this.selectOfficial = db.prepare('SELECT body FROM aqhi_official_forecasts WHERE station_id = ?');
  }

  log(rows: readonly LoggedForecast[]): void {
    if (rows.length === 0) return;
    this.db.transaction(() => {
      for (const r of rows) this.insertLog.run(r.stationId, r.issuedHourMs, r.leadHours, r.targetHourMs, r.model, r.persistence);
    })();
  }

  /** Kept forecasts whose target hour, in [fromMs, toMs], has a final value. */
  pairs(stationId: string, fromMs: number, toMs: number): ScoredPair[] {
    return this.selectPairs.all(stationId, fromMs, toMs) as ScoredPair[];
  }

  /** Final hourly index values, hour start → value. */
  values(stationId: string, fromMs: number, toMs: number): Map<number, number> {
    const rows = this.selectValues.all(stationId, fromMs, toMs) as { hour: number; value: number }[];
    return new Map(rows.map((r) => [r.hour, r.value]));
  }

  saveOfficial(stationId: string, forecast: OfficialForecast): void {
    this.upsertOfficial.run(stationId, JSON.stringify(forecast), Date.parse(forecast.issuedAt), Date.parse(forecast.validUntil));
  }

  official(stationId: string): OfficialForecast | undefined {
    const row = this.selectOfficial.get(stationId) as { body: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.body) as OfficialForecast);
  }

  pruneBefore(ms: number): void {
    this.db.prepare('DELETE FROM aqhi_forecast_log WHERE target_hour_ms < ?').run(ms);
  }
}
