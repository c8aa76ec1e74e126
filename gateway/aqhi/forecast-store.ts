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

/**
 * Forecasts kept for scoring, and the bureau's official forecasts. Scoring reads the final hourly
 * index values the AQHI store keeps, so an adapter shares that store's database.
 */
export interface ForecastStore {
  /** Keeps forecasts in one write; one already kept for (station, issued hour, lead) stays as it was. */
  log(rows: readonly LoggedForecast[]): Promise<void>;
  /** Kept forecasts whose target hour, in [fromMs, toMs], has a final value, with that value; by target hour, then lead. */
  pairs(stationId: string, fromMs: number, toMs: number): Promise<ScoredPair[]>;
  /** Final hourly index values in [fromMs, toMs], hour start → value. */
  values(stationId: string, fromMs: number, toMs: number): Promise<Map<number, number>>;
  /** Keeps the station's official forecast, replacing its previous one. */
  saveOfficial(stationId: string, forecast: OfficialForecast): Promise<void>;
  official(stationId: string): Promise<OfficialForecast | undefined>;
  /** Drops kept forecasts whose target hour is before ms. */
  pruneBefore(ms: number): Promise<void>;
}

/** Tables `aqhi_forecast_log` and `aqhi_official_forecasts`, and the final hourly values (`aqhi_hourly`) they are scored on. */
export class SqliteForecastStore implements ForecastStore {
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
        WHERE l.station_id = ? AND l.target_hour_ms BETWEEN ? AND ? AND h.value IS NOT NULL AND h.provisional = 0
        ORDER BY l.target_hour_ms, l.lead_hours`,
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

  async log(rows: readonly LoggedForecast[]): Promise<void> {
    if (rows.length === 0) return;
    this.db.transaction(() => {
      for (const r of rows) this.insertLog.run(r.stationId, r.issuedHourMs, r.leadHours, r.targetHourMs, r.model, r.persistence);
    })();
  }

  async pairs(stationId: string, fromMs: number, toMs: number): Promise<ScoredPair[]> {
    return this.selectPairs.all(stationId, fromMs, toMs) as ScoredPair[];
  }

  async values(stationId: string, fromMs: number, toMs: number): Promise<Map<number, number>> {
    const rows = this.selectValues.all(stationId, fromMs, toMs) as { hour: number; value: number }[];
    return new Map(rows.map((r) => [r.hour, r.value]));
  }

  async saveOfficial(stationId: string, forecast: OfficialForecast): Promise<void> {
    this.upsertOfficial.run(stationId, JSON.stringify(forecast), Date.parse(forecast.issuedAt), Date.parse(forecast.validUntil));
  }

  async official(stationId: string): Promise<OfficialForecast | undefined> {
    const row = this.selectOfficial.get(stationId) as { body: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.body) as OfficialForecast);
  }

  async pruneBefore(ms: number): Promise<void> {
    this.db.prepare('DELETE FROM aqhi_forecast_log WHERE target_hour_ms < ?').run(ms);
  }
}
