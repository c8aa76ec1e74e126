import type { AedSite } from '../../rules/aed/index.js';
import { distanceM } from '../../rules/safety/index.js';
import type { Registry } from '../registry/registry.js';

/** Ray casting over [lat, lon] vertices; fine at a grid's scale. */
function inside(point: { lat: number; lon: number }, polygon: readonly (readonly [number, number])[]): boolean {
  let result = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [latI, lonI] = polygon[i]!;
    const [latJ, lonJ] = polygon[j]!;
    if (lonI > point.lon !== lonJ > point.lon && point.lat < ((latJ - latI) * (point.lon - lonI)) / (lonJ - lonI) + latI) result = !result;
  }
  return result;
}

/**
 * Which grid and district an emergency belongs to (for the monthly review): the resident's grid,
 * else the grid whose outline holds the place, else the grid of the nearest AED within 1 km.
 */
export function locateEmergency(registry: Registry, at: { lat: number; lon: number; resident?: string }, aeds: readonly AedSite[]): { grid: string | null; district: string | null } {
  const districtOf = (grid: string | undefined | null) => (grid === undefined || grid === null ? null : (registry.get('grids', grid)?.district ?? null));
  const residentGrid = at.resident === undefined ? undefined : registry.get('residents', at.resident)?.grid;
  if (residentGrid !== undefined) return { grid: residentGrid, district: districtOf(residentGrid) };
  const outlined = registry.list('grids').find((g) => g.boundary !== undefined && inside(at, g.boundary));
  if (outlined !== undefined) return { grid: outlined.id, district: outlined.district ?? null };
  let nearest: { grid: string | undefined; m: number } | undefined;
  for (const aed of aeds) {
    const m = distanceM(at.lat, at.lon, aed.lat, aed.lon);
    if (m <= 1000 && (nearest === undefined || m < nearest.m)) nearest = { grid: aed.grid, m };
  }
  return { grid: nearest?.grid ?? null, district: districtOf(nearest?.grid) };
}
