import type { IndexUpdate, Pollutant } from '../../rules/aqhi/index.js';
import type { SqliteDatabase } from '../store/sqlite-database.js';

/** What the AQHI service keeps on disk: hourly index values for history, and its own state. */
export interface AqhiStore {
  /** Upserts station-hours in one write (the latest result of an hour replaces the earlier one). */
  saveHours(updates: readonly IndexUpdate[], savedAtMs: number): Promise<void>;
  /** Stored hours with fromMs ≤ hourStartMs ≤ toMs, oldest first. */
  hours(stationId: string, fromMs: number, toMs: number): Promise<IndexUpdate[]>;
  latest(stationId: string): Promise<IndexUpdate | undefined>;
  /** Every station's latest stored hour, by station id. */
  latestOfEach(): Promise<IndexUpdate[]>;
  saveState(state: unknown, savedAtMs: number): Promise<void>;
  loadState(): Promise<unknown>;
  /** Stored hours reduced to what a daily report reads (the whole body is large). */
  hourValues(stationId: string, fromMs: number, toMs: number): Promise<HourValue[]>;
  /** Upserts station-hours' counted pollutant means in one write (the daily report's pollutant figures). */
  saveMeans(rows: readonly StationHourMeans[]): Promise<void>;
  /** Stored means with fromMs ≤ hourStartMs ≤ toMs, oldest first. */
  means(stationId: string, fromMs: number, toMs: number): Promise<StationHourMeans[]>;
  /** Drops hours and means that started before this; returns how many hours. */
  pruneBefore(hourStartMs: number): Promise<number>;
}

/** A stored hour as a daily report reads it. */
export interface HourValue {
  hourStartMs: number;
  value: number | null;
  primaryPollutants: Pollutant[];
}

/** The counted hourly means of one station-hour (µg/m³; CO mg/m³). */
export interface StationHourMeans {
  stationId: string;
  hourStartMs: number;
  means: Partial<Record<Pollutant, number>>;
}

const STATE_KEY = 'aqhi-service';

/** Tables `aqhi_hourly` and `aqhi_state` (gateway/store/sqlite-database.ts migrations). */
export class SqliteAqhiStore implements AqhiStore {
  private readonly upsertHour;
  private readonly selectHours;
  private readonly selectLatest;

  constructor(private readonly db: SqliteDatabase) {
    this.upsertHour = db.prepare(
      `INSERT INTO aqhi_hourly (station_id, hour_start_ms, value, band, high, provisional, profile, body, updated_at_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (station_id, hour_start_ms) DO UPDATE SET value = excluded.value, band = excluded.band, high = excluded.high,
         provisional = excluded.provisional, profile = excluded.profile, body = excluded.body, updated_at_ms = excluded.updated_at_ms`,
    );
    this.selectHours = db.prepare('SELECT body FROM aqhi_hourly WHERE station_id = ? AND hour_start_ms BETWEEN ? AND ? ORDER BY hour_start_ms');
    this.selectLatest = db.prepare('SELECT body FROM aqhi_hourly WHERE station_id = ? ORDER BY hour_start_ms DESC LIMIT 1');
    this.upsertMeans = db.prepare(
      `INSERT INTO aqhi_hour_means (station_id, hour_start_ms, body) VALUES (?, ?, ?)
       ON CONFLICT (station_id, hour_start_ms) DO UPDATE SET body = excluded.body`,
    );
    this.selectHourValues = db.prepare(
      "SELECT hour_start_ms, value, json_extract(body, '$.primaryPollutants') AS primary_pollutants FROM aqhi_hourly WHERE station_id = ? AND hour_start_ms BETWEEN ? AND ? ORDER BY hour_start_ms",
    );
    this.selectMeans = db.prepare('SELECT hour_start_ms, body FROM aqhi_hour_means WHERE station_id = ? AND hour_start_ms BETWEEN ? AND ? ORDER BY hour_start_ms');
  }

  private readonly upsertMeans;
  private readonly selectHourValues;
  private readonly selectMeans;

  async hourValues(stationId: string, fromMs: number, toMs: number): Promise<HourValue[]> {
    return (this.selectHourValues.all(stationId, fromMs, toMs) as { hour_start_ms: number; value: number | null; primary_pollutants: string | null }[]).map((r) => ({
      hourStartMs: r.hour_start_ms,
      value: r.value,
      primaryPollutants: r.primary_pollutants === null ? [] : (JSON.parse(r.primary_pollutants) as Pollutant[]),
    }));
  }

  async saveMeans(rows: readonly StationHourMeans[]): Promise<void> {
    if (rows.length === 0) return;
    this.db.transaction(() => {
      for (const r of rows) this.upsertMeans.run(r.stationId, r.hourStartMs, JSON.stringify(r.means));
    })();
  }

  async means(stationId: string, fromMs: number, toMs: number): Promise<StationHourMeans[]> {
    return (this.selectMeans.all(stationId, fromMs, toMs) as { hour_start_ms: number; body: string }[]).map((r) => ({
      stationId,
      hourStartMs: r.hour_start_ms,
      means: JSON.parse(r.body) as Partial<Record<Pollutant, number>>,
    }));
  }

  async saveHours(updates: readonly IndexUpdate[], savedAtMs: number): Promise<void> {
    if (updates.length === 0) return;
    this.db.transaction(() => {
      for (const u of updates) {
        this.upsertHour.run(
          u.stationId,
          u.hourStartMs,
          u.value,
          u.band,
          u.high ? 1 : 0,
          u.provisional ? 1 : 0,
          `${u.profile.name}@${u.profile.version}`,
          JSON.stringify(u),
          savedAtMs,
        );
      }
    })();
  }

  async hours(stationId: string, fromMs: number, toMs: number): Promise<IndexUpdate[]> {
    return (this.selectHours.all(stationId, fromMs, toMs) as { body: string }[]).map((r) => JSON.parse(r.body) as IndexUpdate);
  }

  async latest(stationId: string): Promise<IndexUpdate | undefined> {
    const row = this.selectLatest.get(stationId) as { body: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.body) as IndexUpdate);
  }

  async latestOfEach(): Promise<IndexUpdate[]> {
    const rows = this.db
      .prepare(
        `SELECT h.body FROM aqhi_hourly h JOIN (SELECT station_id, MAX(hour_start_ms) AS hour_start_ms FROM aqhi_hourly GROUP BY station_id) l
           ON h.station_id = l.station_id AND h.hour_start_ms = l.hour_start_ms ORDER BY h.station_id`,
      )
      .all() as { body: string }[];
    return rows.map((r) => JSON.parse(r.body) as IndexUpdate);
  }

  async saveState(state: unknown, savedAtMs: number): Promise<void> {
    this.db
      .prepare('INSERT INTO aqhi_state (key, body, saved_at_ms) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET body = excluded.body, saved_at_ms = excluded.saved_at_ms')
      .run(STATE_KEY, JSON.stringify(state), savedAtMs);
  }

  async loadState(): Promise<unknown> {
    const row = this.db.prepare('SELECT body FROM aqhi_state WHERE key = ?').get(STATE_KEY) as { body: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.body) as unknown);
  }

  async pruneBefore(hourStartMs: number): Promise<number> {
    return this.db.transaction(() => {
      this.db.prepare('DELETE FROM aqhi_hour_means WHERE hour_start_ms < ?').run(hourStartMs);
      return this.db.prepare('DELETE FROM aqhi_hourly WHERE hour_start_ms < ?').run(hourStartMs).changes;
    })();
  }
}
