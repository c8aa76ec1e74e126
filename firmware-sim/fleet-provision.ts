import type { DeviceKind } from '../sensors/index.js';
import { offsetPosition, type LatLon } from './geo.js';
import { hashSeed } from './seeded-random.js';
import { DEFAULT_TIME_ZONE } from './sim-provision.js';

/** Shares of each device kind in a generated fleet; they need not add up to 1. */
export type FleetMix = Record<DeviceKind, number>;

export const DEFAULT_FLEET_MIX: FleetMix = { bracelet: 0.9, aed: 0.03, air: 0.07, bin: 0 };

export interface FleetProvisionOptions {
  count: number;
  mix?: FleetMix;
  /** Prefix of every id, so a fleet can share a gateway with a real community. */
  prefix?: string;
  seed?: string;
  centre?: LatLon;
  residentsPerGrid?: number;
  timeZone?: string;
}

/** Parses `bracelet=90,aed=3,air=7` (weights, any scale). */
export function parseFleetMix(text: string): FleetMix {
  const mix: FleetMix = { bracelet: 0, aed: 0, air: 0, bin: 0 };
  for (const part of text.split(',')) {
    const match = /^\s*(bracelet|aed|air)\s*[=:]\s*(\d+(?:\.\d+)?)\s*$/.exec(part);
    if (match === null) throw new Error(`"${part}" is not kind=weight (kinds: bracelet, aed, air)`);
    mix[match[1] as DeviceKind] = Number(match[2]);
  }
  if (mix.bracelet + mix.aed + mix.air <= 0) throw new Error('the mix gives no devices');
  return mix;
}

/** How many of each kind: largest remainders, so the counts add up to `count` exactly. */
export function splitByMix(count: number, mix: FleetMix): Record<DeviceKind, number> {
  const total = mix.bracelet + mix.aed + mix.air;
  const kinds: DeviceKind[] = ['bracelet', 'aed', 'air'];
  const exact = kinds.map((k) => (count * mix[k]) / total);
  const counts = exact.map(Math.floor);
  let left = count - counts.reduce((a, b) => a + b, 0);
  const byRemainder = kinds.map((_, i) => i).sort((a, b) => exact[b]! - counts[b]! - (exact[a]! - counts[a]!));
  for (const i of byRemainder) {
    if (left === 0) break;
    counts[i]!++;
    left--;
  }
  // A load test's fleet has no bins: their readings cost the gateway what a station's do.
  return { bracelet: counts[0]!, aed: counts[1]!, air: counts[2]!, bin: 0 };
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** A secret derived from the seed and the id: stable across runs, different per device. */
function secretFor(seed: string, id: string): string {
  return `fleet-${hashSeed(`${seed}/${id}`).toString(16).padStart(8, '0')}${hashSeed(`${id}/${seed}`).toString(16).padStart(8, '0')}`;
}

/**
 * A provision file (CONTRACT.md §5) for a load test: residents with homes spread over a few
 * kilometres, one grid and one worker (without channels: a load test pages no one) per
 * `residentsPerGrid` residents, stations and AEDs for the other devices.
 */
export function generateFleetProvision(options: FleetProvisionOptions): Record<string, unknown> {
  const prefix = options.prefix ?? 'fleet';
  const seed = options.seed ?? 'fleet';
  const centre = options.centre ?? { lat: 30.2655, lon: 120.1552 };
  const perGrid = options.residentsPerGrid ?? 500;
  const counts = splitByMix(options.count, options.mix ?? DEFAULT_FLEET_MIX);
  const width = Math.max(4, String(options.count).length);
  const gridCount = Math.max(1, Math.ceil(counts.bracelet / perGrid));
  // Homes on a spiral of about 10 m spacing: spread out, deterministic, never on top of each other.
  const place = (i: number): LatLon => offsetPosition(centre, (i * 137.508) % 360, 10 * Math.sqrt(i + 1));
  const district = (gridIndex: number): string => `${prefix}-d-${pad(Math.floor(gridIndex / 10) + 1, 3)}`;

  const grids = Array.from({ length: gridCount }, (_, g) => ({
    id: `${prefix}-g-${pad(g + 1, 4)}`,
    name: `Load test grid ${g + 1}`,
    district: district(g),
    onDuty: [`${prefix}-w-${pad(g + 1, 4)}`],
  }));
  const workers = grids.map((grid, g) => ({ id: `${prefix}-w-${pad(g + 1, 4)}`, name: `Load test worker ${g + 1}`, grids: [grid.id], channels: [] }));
  const residents = Array.from({ length: counts.bracelet }, (_, i) => {
    const home = place(i);
    return {
      id: `${prefix}-r-${pad(i + 1, width)}`,
      name: `Resident ${i + 1}`,
      grid: grids[Math.floor(i / perGrid)]!.id,
      home: { lat: Number(home.lat.toFixed(6)), lon: Number(home.lon.toFixed(6)), radiusM: 60 },
      conditions: [],
    };
  });
  const aeds = Array.from({ length: counts.aed }, (_, i) => {
    const p = place(i * 7 + 3);
    return { id: `${prefix}-a-${pad(i + 1, width)}`, lat: Number(p.lat.toFixed(6)), lon: Number(p.lon.toFixed(6)), grid: grids[i % gridCount]!.id, accessHours: '24/7' };
  });
  const stations = Array.from({ length: counts.air }, (_, i) => {
    const p = place(i * 11 + 5);
    return { id: `${prefix}-s-${pad(i + 1, width)}`, name: `Load test station ${i + 1}`, lat: Number(p.lat.toFixed(6)), lon: Number(p.lon.toFixed(6)), district: district(i % gridCount) };
  });
  const device = (kind: DeviceKind, id: string, link: Record<string, string>): Record<string, string> => ({ id, kind, secret: secretFor(seed, id), ...link });
  const devices = [
    ...residents.map((r, i) => device('bracelet', `${prefix}-b-${pad(i + 1, width)}`, { resident: r.id })),
    ...aeds.map((a, i) => device('aed', `${prefix}-aed-${pad(i + 1, width)}`, { aed: a.id })),
    ...stations.map((s, i) => device('air', `${prefix}-air-${pad(i + 1, width)}`, { station: s.id })),
  ];
  return { timeZone: options.timeZone ?? DEFAULT_TIME_ZONE, grids, workers, residents, devices, aeds, stations };
}
