import type { Alert } from '../../rules/safety/index.js';
import type { Registry } from '../registry/registry.js';

export interface GeoPoint {
  lat: number;
  lon: number;
}

export interface NearbyAed {
  id: string;
  lat: number;
  lon: number;
  distanceM: number;
  description: string | null;
  floor: string | null;
}

/** The usable AEDs nearest a point, nearest first. */
export type NearestAedFinder = (at: GeoPoint, nowMs: number, limit: number) => NearbyAed[];

export interface KnownLocation extends GeoPoint {
  atMs: number;
}

export interface AlertContextDeps {
  registry: Registry;
  nearestAeds: NearestAedFinder;
  /** The resident's last reported position, if any. */
  lastLocation: (residentId: string) => KnownLocation | undefined;
}

/** What someone acting on an alert needs beyond the alert itself: who, where, what is nearby, whom to call. */
export interface AlertContext {
  resident: {
    id: string;
    name: string;
    address: string | null;
    conditions: readonly string[];
    livesAlone: boolean | null;
  } | null;
  location: (GeoPoint & { at: string | null; source: 'event' | 'last_reading' | 'home' | 'aed' | 'station' | 'bin' }) | null;
  nearestAeds: NearbyAed[];
  /** Distances are great-circle metres, not walking routes. */
  distanceMethod: 'great-circle';
  contacts: { name: string; relation: string | null; phones: string[] }[];
  /** The cabinet an AED alert is about, by its place (what a person reads instead of its id). */
  cabinet?: { id: string; description: string | null; floor: string | null } | null;
  /** The air station an index alert is about, by name. */
  station?: { id: string; name: string } | null;
  /** The bin a full-bin alert is about: its place as people call it, and its grid's name. */
  bin?: { id: string; name: string; gridName: string | null } | null;
}

function numberDetail(alert: Alert, key: string): number | undefined {
  const value = alert.details[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function locationOf(deps: AlertContextDeps, alert: Alert): AlertContext['location'] {
  const lat = numberDetail(alert, 'lat');
  const lon = numberDetail(alert, 'lon');
  if (lat !== undefined && lon !== undefined) return { lat, lon, at: new Date(alert.lastOccurredAt).toISOString(), source: 'event' };
  const resident = deps.registry.get('residents', alert.subject);
  if (resident !== undefined) {
    const last = deps.lastLocation(resident.id);
    if (last !== undefined) return { lat: last.lat, lon: last.lon, at: new Date(last.atMs).toISOString(), source: 'last_reading' };
    if (resident.home !== undefined) return { lat: resident.home.lat, lon: resident.home.lon, at: null, source: 'home' };
    return null;
  }
  const aed = deps.registry.get('aeds', alert.subject);
  if (aed !== undefined) return { lat: aed.lat, lon: aed.lon, at: null, source: 'aed' };
  const station = deps.registry.get('stations', alert.subject);
  if (station !== undefined) return { lat: station.lat, lon: station.lon, at: null, source: 'station' };
  const device = deps.registry.get('devices', alert.subject);
  if (device?.kind === 'bin' && device.lat !== undefined && device.lon !== undefined) return { lat: device.lat, lon: device.lon, at: null, source: 'bin' };
  return null;
}

function cabinetOf(deps: AlertContextDeps, subject: string): { id: string; description: string | null; floor: string | null } | null {
  const aed = deps.registry.get('aeds', subject);
  return aed === undefined ? null : { id: aed.id, description: aed.description ?? null, floor: aed.floor ?? null };
}

function stationOf(deps: AlertContextDeps, subject: string): { id: string; name: string } | null {
  const station = deps.registry.get('stations', subject);
  return station === undefined ? null : { id: station.id, name: station.name };
}

function binOf(deps: AlertContextDeps, subject: string): { id: string; name: string; gridName: string | null } | null {
  const device = deps.registry.get('devices', subject);
  if (device?.kind !== 'bin') return null;
  const grid = device.grid === undefined ? undefined : deps.registry.get('grids', device.grid);
  // A bin with no name of its own is named by its grid: never by its id.
  return { id: device.id, name: device.name ?? `a bin in ${grid?.name ?? 'the grid'}`, gridName: grid?.name ?? null };
}

export function buildAlertContext(deps: AlertContextDeps, alert: Alert, nowMs: number): AlertContext {
  const resident = deps.registry.get('residents', alert.subject);
  const location = locationOf(deps, alert);
  return {
    resident:
      resident === undefined
        ? null
        : {
            id: resident.id,
            name: resident.name,
            address: resident.address ?? null,
            conditions: resident.conditions,
            livesAlone: resident.livesAlone ?? null,
          },
    location,
    // A full bin needs a sanitation worker, not a defibrillator.
    nearestAeds: location === null || location.source === 'bin' ? [] : deps.nearestAeds(location, nowMs, 3),
    distanceMethod: 'great-circle',
    cabinet: cabinetOf(deps, alert.subject),
    station: stationOf(deps, alert.subject),
    bin: binOf(deps, alert.subject),
    contacts: (resident?.contacts ?? []).map((c) => ({
      name: c.name,
      relation: c.relation ?? null,
      phones: c.channels.flatMap((ch) => (ch.type === 'sms' ? [ch.phone] : [])),
    })),
  };
}
