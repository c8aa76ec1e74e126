import { HOUR_MS, type AqiProfile, type HourlySummary, type IndexUpdate, type Pollutant } from '../../rules/aqhi/index.js';
import type { EntityByCollection } from '../registry/schemas.js';
import type { ExcludedHour, HistoryPoint, StationIndex } from './feed-schema.js';

export type StationEntity = EntityByCollection['stations'];

/** A station silent for longer than this is flagged stale in the feed. */
export const STALE_AFTER_MS = 2 * HOUR_MS;

export const NO_READINGS_REASON = 'no reading from this station yet';

const iso = (ms: number): string => new Date(ms).toISOString();

export interface StationIndexInput {
  station: StationEntity;
  /** The station's current index; undefined when it has none yet. */
  update: IndexUpdate | undefined;
  profile: AqiProfile;
  lastReadingAtMs: number | undefined;
  nowMs: number;
  /** Hourly means left out of the averages in the current window. */
  excluded: ExcludedHour[];
  staleAfterMs?: number;
}

/** One station's entry of the feed: the same body on REST, SSE and MQTT. */
export function toStationIndex(input: StationIndexInput): StationIndex {
  const { station, update, profile, lastReadingAtMs, nowMs } = input;
  const staleAfterMs = input.staleAfterMs ?? STALE_AFTER_MS;
  const base = {
    stationId: station.id,
    name: station.name,
    district: station.district,
    ...(station.districtName === undefined ? {} : { districtName: station.districtName }),
    lat: station.lat,
    lon: station.lon,
    stale: lastReadingAtMs !== undefined && nowMs - lastReadingAtMs > staleAfterMs,
    lastReadingAt: lastReadingAtMs === undefined ? null : iso(lastReadingAtMs),
    excluded: input.excluded,
  };
  if (update === undefined) {
    return {
      ...base,
      value: null,
      display: null,
      band: null,
      category: null,
      color: null,
      high: false,
      advice: null,
      time: null,
      hourStartMs: null,
      hourEndMs: null,
      provisional: false,
      window: null,
      pollutantsUsed: [],
      primaryPollutants: [],
      contributions: [],
      missing: [],
      complete: false,
      addedRiskPct: null,
      nullReason: NO_READINGS_REASON,
      profile: { name: profile.name, version: profile.version, status: profile.status },
    };
  }
  return {
    ...base,
    value: update.value,
    display: update.display,
    band: update.band,
    category: update.category,
    color: update.color,
    high: update.high,
    advice: update.advice,
    time: iso(update.hourEndMs),
    hourStartMs: update.hourStartMs,
    hourEndMs: update.hourEndMs,
    provisional: update.provisional,
    window: { hours: Math.round((update.hourEndMs - update.windowStartMs) / HOUR_MS), start: iso(update.windowStartMs), end: iso(update.hourEndMs) },
    pollutantsUsed: update.pollutantsUsed,
    primaryPollutants: update.primaryPollutants,
    contributions: update.contributions,
    missing: update.missing,
    complete: update.complete,
    addedRiskPct: update.addedRiskPct ?? null,
    nullReason: update.nullReason ?? null,
    profile: update.profile,
  };
}

export function toHistoryPoint(update: IndexUpdate): HistoryPoint {
  return {
    time: iso(update.hourEndMs),
    hourStartMs: update.hourStartMs,
    hourEndMs: update.hourEndMs,
    value: update.value,
    display: update.display,
    band: update.band,
    category: update.category,
    high: update.high,
    provisional: update.provisional,
    complete: update.complete,
    addedRiskPct: update.addedRiskPct ?? null,
    pollutantsUsed: update.pollutantsUsed,
    contributions: update.contributions,
    missing: update.missing,
    nullReason: update.nullReason ?? null,
    profile: update.profile,
  };
}

/** Hourly means the engine left out of the averages (a stuck sensor, too few samples). */
export function excludedHours(summaries: readonly HourlySummary[]): ExcludedHour[] {
  const out: ExcludedHour[] = [];
  for (const summary of summaries) {
    for (const [pollutant, hour] of Object.entries(summary.pollutants) as [Pollutant, { excluded?: string }][]) {
      if (hour.excluded !== undefined) out.push({ pollutant, hourStart: iso(summary.hourStartMs), reason: hour.excluded });
    }
  }
  return out;
}
