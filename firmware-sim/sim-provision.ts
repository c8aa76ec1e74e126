import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import type { DeviceKind } from '../sensors/index.js';
import type { LatLon } from './geo.js';

/**
 * The parts of a provision file (CONTRACT.md §5) a simulated device needs: its credentials and
 * what it is attached to. The gateway validates the file; the simulator only reads it.
 */
export interface SimPlace extends LatLon {
  radiusM: number;
}

export interface SimResident {
  id: string;
  name: string;
  grid: string;
  home?: SimPlace;
  safeZone?: SimPlace;
  conditions: string[];
}

export interface SimDevice {
  id: string;
  kind: DeviceKind;
  secret: string;
  resident?: string;
  aed?: string;
  station?: string;
  /** A bin's grid and place. */
  grid?: string;
  lat?: number;
  lon?: number;
}

export interface SimAed extends LatLon {
  id: string;
  description?: string;
  padsExpiry?: string;
}

export interface SimStation extends LatLon {
  id: string;
  name: string;
  district: string;
}

export interface SimProvision {
  timeZone: string;
  residents: SimResident[];
  devices: SimDevice[];
  aeds: SimAed[];
  stations: SimStation[];
  /** The file as read, for handing to a gateway (possibly rewritten). */
  raw: Record<string, unknown>;
}

export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

export class ProvisionReadError extends Error {
  override name = 'ProvisionReadError';
}

function list(raw: Record<string, unknown>, key: string): Record<string, unknown>[] {
  const value = raw[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ProvisionReadError(`"${key}" must be a list`);
  return value as Record<string, unknown>[];
}

function place(value: unknown): SimPlace | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { lat, lon, radiusM } = value as Record<string, unknown>;
  return typeof lat === 'number' && typeof lon === 'number' && typeof radiusM === 'number' ? { lat, lon, radiusM } : undefined;
}

/** YAML dates (`2027-05-01`) may arrive as Date objects; the sim wants the ISO date. */
function isoDate(value: unknown): string | undefined {
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  return typeof value === 'string' ? value : undefined;
}

export function parseProvision(raw: Record<string, unknown>): SimProvision {
  const residents = list(raw, 'residents').map((r): SimResident => {
    const home = place(r.home);
    const safeZone = place(r.safeZone);
    return {
      id: String(r.id),
      name: String(r.name ?? r.id),
      grid: String(r.grid),
      ...(home === undefined ? {} : { home }),
      ...(safeZone === undefined ? {} : { safeZone }),
      conditions: Array.isArray(r.conditions) ? r.conditions.map(String) : [],
    };
  });
  const devices = list(raw, 'devices').map((d): SimDevice => {
    if (typeof d.secret !== 'string') throw new ProvisionReadError(`device ${String(d.id)} has no plain secret; the simulator needs it to connect`);
    const kind = d.kind;
    if (kind !== 'bracelet' && kind !== 'aed' && kind !== 'air' && kind !== 'bin') throw new ProvisionReadError(`device ${String(d.id)} has unknown kind ${String(kind)}`);
    return {
      id: String(d.id),
      kind,
      secret: d.secret,
      ...(typeof d.resident === 'string' ? { resident: d.resident } : {}),
      ...(typeof d.aed === 'string' ? { aed: d.aed } : {}),
      ...(typeof d.station === 'string' ? { station: d.station } : {}),
      ...(typeof d.grid === 'string' ? { grid: d.grid } : {}),
      ...(typeof d.lat === 'number' && typeof d.lon === 'number' ? { lat: d.lat, lon: d.lon } : {}),
    };
  });
  const aeds = list(raw, 'aeds').map((a): SimAed => {
    const padsExpiry = isoDate(a.padsExpiry);
    return {
      id: String(a.id),
      lat: Number(a.lat),
      lon: Number(a.lon),
      ...(typeof a.description === 'string' ? { description: a.description } : {}),
      ...(padsExpiry === undefined ? {} : { padsExpiry }),
    };
  });
  const stations = list(raw, 'stations').map(
    (s): SimStation => ({ id: String(s.id), name: String(s.name ?? s.id), lat: Number(s.lat), lon: Number(s.lon), district: String(s.district) }),
  );
  return { timeZone: typeof raw.timeZone === 'string' ? raw.timeZone : DEFAULT_TIME_ZONE, residents, devices, aeds, stations, raw };
}

export function readProvisionFile(file: string): SimProvision {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ProvisionReadError(`cannot read provision file ${file}: ${(err as Error).message}`);
  }
  const parsed: unknown = file.endsWith('.json') ? JSON.parse(text) : YAML.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ProvisionReadError(`${file}: the top level must be a mapping`);
  return parseProvision(parsed as Record<string, unknown>);
}

/** A copy of the provision with only the listed devices; people, places and stations stay. */
export function withOnlyDevices(provision: SimProvision, deviceIds: readonly string[]): SimProvision {
  const keep = new Set(deviceIds);
  const missing = deviceIds.filter((id) => !provision.devices.some((d) => d.id === id));
  if (missing.length > 0) throw new ProvisionReadError(`no such device(s) in the provision: ${missing.join(', ')}`);
  const raw = { ...provision.raw, devices: list(provision.raw, 'devices').filter((d) => keep.has(String(d.id))) };
  return parseProvision(raw);
}

/**
 * A copy whose webhook channels point at another base URL, keeping each path: the demo's pages
 * go to its own receiver, wherever that listens.
 */
export function withWebhookBase(provision: SimProvision, baseUrl: string): SimProvision {
  const rewrite = (channels: unknown): unknown =>
    Array.isArray(channels)
      ? channels.map((c: Record<string, unknown>) => {
          if (c.type !== 'webhook' || typeof c.url !== 'string') return c;
          const url = new URL(c.url);
          return { ...c, url: `${baseUrl.replace(/\/$/, '')}${url.pathname}${url.search}` };
        })
      : channels;
  const people = (key: string): Record<string, unknown>[] => list(provision.raw, key).map((p) => ({ ...p, channels: rewrite(p.channels) }));
  const residents = list(provision.raw, 'residents').map((r) => ({
    ...r,
    contacts: Array.isArray(r.contacts) ? r.contacts.map((c: Record<string, unknown>) => ({ ...c, channels: rewrite(c.channels) })) : r.contacts,
  }));
  return parseProvision({ ...provision.raw, workers: people('workers'), responders: people('responders'), residents });
}

export function residentOf(provision: SimProvision, device: SimDevice): SimResident | undefined {
  return device.resident === undefined ? undefined : provision.residents.find((r) => r.id === device.resident);
}

export function deviceById(provision: SimProvision, id: string): SimDevice {
  const device = provision.devices.find((d) => d.id === id);
  if (device === undefined) throw new ProvisionReadError(`no device "${id}" in the provision`);
  return device;
}
