import type { Logger } from 'pino';
import { HOUR_MS } from '../../rules/aqhi/index.js';
import { distanceM } from '../../rules/safety/geo.js';
import type { Reading } from '../../sensors/index.js';
import type { StationHourMeans } from '../aqhi/sqlite-aqhi-store.js';
import type { IngestPipeline } from '../ingest/ingest-pipeline.js';
import type { Registry } from '../registry/registry.js';
import type { DeviceEntity } from '../registry/schemas.js';
import type { TelemetryReader } from '../telemetry/telemetry-store.js';
import {
  CALIBRATED_POLLUTANTS,
  CALIBRATION_LOOKBACK_HOURS,
  calibratePollutant,
  hourlyMeans,
  worstStatus,
  type PollutantCalibration,
  type SensorStatus,
} from './bin-calibration.js';

/** A bin with no reading for this long is shown as silent. */
const STALE_AFTER_MS = 2 * HOUR_MS;

/** One neighbourhood sensor as `GET /api/neighbourhood` shows it. */
export interface NeighbourhoodSensor {
  id: string;
  /** What people call its place; null when the registry gives none (then say its grid). */
  name: string | null;
  grid: { id: string; name: string } | null;
  lat: number;
  lon: number;
  /** Neighbourhood readings are never part of the official index. */
  official: false;
  /** The official station it is calibrated against: the nearest one. */
  station: { id: string; name: string; distanceM: number } | null;
  lastReadingAt: string | null;
  stale: boolean;
  fill: number | null;
  /** Its latest reading of every field, as read. */
  latest: Record<string, number>;
  pollutants: PollutantCalibration[];
  /** The worst of its pollutants' statuses (stuck, drifting, calibrating, no_station, ok); null with no air readings. */
  status: SensorStatus | null;
}

export interface NeighbourhoodDeps {
  registry: Registry;
  readings: TelemetryReader;
  /** The station's counted hourly means (the index's own store). */
  stationMeans(stationId: string, fromMs: number, toMs: number): Promise<StationHourMeans[]>;
  ingestEvents: IngestPipeline['events'];
  now(): number;
  log: Logger;
}

export interface NeighbourhoodService {
  sensors(nowMs?: number): Promise<NeighbourhoodSensor[]>;
  sensor(id: string, nowMs?: number): Promise<NeighbourhoodSensor | undefined>;
}

/**
 * The neighbourhood air sensors (bins): their latest readings, each pollutant corrected against
 * the nearest official station, and flagged when drifting or stuck. A calibration is worked out
 * once per bin and hour from the stored readings, so a restart changes nothing.
 */
export function createNeighbourhoodService(deps: NeighbourhoodDeps): NeighbourhoodService {
  const { registry } = deps;
  const latest = new Map<string, { atMs: number; values: Record<string, number> }>();
  const calibrations = new Map<string, { hourMs: number; stationId: string | null; pollutants: PollutantCalibration[] }>();

  deps.ingestEvents.on('readingAccepted', (reading: Reading, device: DeviceEntity) => {
    if (device.kind !== 'bin') return;
    const known = latest.get(device.id);
    if (known !== undefined && known.atMs > reading.tsMs) return;
    latest.set(device.id, { atMs: reading.tsMs, values: { ...(known?.values ?? {}), ...(reading.values as Record<string, number>) } });
  });

  function nearestStation(bin: DeviceEntity): NeighbourhoodSensor['station'] {
    let best: NeighbourhoodSensor['station'] = null;
    for (const s of registry.list('stations')) {
      const m = distanceM(bin.lat!, bin.lon!, s.lat, s.lon);
      if (best === null || m < best.distanceM) best = { id: s.id, name: s.name, distanceM: Math.round(m) };
    }
    return best;
  }

  async function latestOf(binId: string, nowMs: number): Promise<{ atMs: number; values: Record<string, number> } | undefined> {
    const known = latest.get(binId);
    if (known !== undefined) return known;
    // After a restart: its last day of readings, newest values of each field.
    const stored = await deps.readings.readings(binId, { fromMs: nowMs - 24 * HOUR_MS, toMs: nowMs, limit: 100_000 });
    if (stored.length === 0) return undefined;
    const values: Record<string, number> = {};
    for (const r of stored) for (const [k, v] of Object.entries(r.values)) if (typeof v === 'number') values[k] = v;
    const found = { atMs: stored[stored.length - 1]!.tsMs, values };
    latest.set(binId, found);
    return found;
  }

  async function pollutantsOf(bin: DeviceEntity, station: NeighbourhoodSensor['station'], nowMs: number): Promise<PollutantCalibration[]> {
    const hourMs = Math.floor(nowMs / HOUR_MS) * HOUR_MS;
    const cached = calibrations.get(bin.id);
    if (cached !== undefined && cached.hourMs === hourMs && cached.stationId === (station?.id ?? null)) return cached.pollutants;
    const fromMs = hourMs - CALIBRATION_LOOKBACK_HOURS * HOUR_MS;
    const binHours = hourlyMeans(await deps.readings.readings(bin.id, { fromMs, toMs: hourMs - 1, limit: 1_000_000 }));
    const stationRows = station === null ? [] : await deps.stationMeans(station.id, fromMs, hourMs - HOUR_MS);
    const pollutants: PollutantCalibration[] = [];
    for (const p of CALIBRATED_POLLUTANTS) {
      const stationHours = new Map<number, number>();
      for (const row of stationRows) {
        const v = row.means[p];
        if (v !== undefined) stationHours.set(row.hourStartMs, v);
      }
      const measured = station !== null && stationHours.size > 0;
      const result = calibratePollutant(p, binHours, stationHours, hourMs, measured ? station.name : null);
      if (result !== undefined) pollutants.push(result);
    }
    calibrations.set(bin.id, { hourMs, stationId: station?.id ?? null, pollutants });
    for (const p of pollutants) {
      if (p.status === 'stuck' || p.status === 'drifting') deps.log.warn({ deviceId: bin.id, pollutant: p.pollutant, status: p.status, reason: p.reason.en }, 'neighbourhood sensor flagged');
    }
    return pollutants;
  }

  async function describe(bin: DeviceEntity, nowMs: number): Promise<NeighbourhoodSensor> {
    const grid = bin.grid === undefined ? undefined : registry.get('grids', bin.grid);
    const station = nearestStation(bin);
    const last = await latestOf(bin.id, nowMs);
    const pollutants = await pollutantsOf(bin, station, nowMs);
    return {
      id: bin.id,
      name: bin.name ?? null,
      grid: grid === undefined ? null : { id: grid.id, name: grid.name },
      lat: bin.lat!,
      lon: bin.lon!,
      official: false,
      station,
      lastReadingAt: last === undefined ? null : new Date(last.atMs).toISOString(),
      stale: last === undefined || nowMs - last.atMs > STALE_AFTER_MS,
      fill: last?.values.fill ?? null,
      latest: last?.values ?? {},
      pollutants,
      status: worstStatus(pollutants.map((p) => p.status)),
    };
  }

  const bins = (): DeviceEntity[] => registry.list('devices').filter((d) => d.kind === 'bin' && d.lat !== undefined && d.lon !== undefined);

  return {
    sensors(nowMs = deps.now()) {
      return Promise.all(bins().map((bin) => describe(bin, nowMs)));
    },
    async sensor(id, nowMs = deps.now()) {
      const bin = registry.get('devices', id);
      return bin?.kind === 'bin' && bin.lat !== undefined && bin.lon !== undefined ? describe(bin, nowMs) : undefined;
    },
  };
}
