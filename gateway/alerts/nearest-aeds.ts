import { distanceM } from '../../rules/safety/index.js';
import type { Registry } from '../registry/registry.js';
import type { NearestAedFinder } from './alert-context.js';

/** AEDs by great-circle distance, leaving out those whose pads or battery have expired. */
export function registryNearestAeds(registry: Registry): NearestAedFinder {
  return (at, nowMs, limit) => {
    const today = new Date(nowMs).toISOString().slice(0, 10);
    return registry
      .list('aeds')
      .filter((aed) => (aed.padsExpiry === undefined || aed.padsExpiry >= today) && (aed.batteryExpiry === undefined || aed.batteryExpiry >= today))
      .map((aed) => ({
        id: aed.id,
        lat: aed.lat,
        lon: aed.lon,
        distanceM: Math.round(distanceM(at.lat, at.lon, aed.lat, aed.lon)),
        description: aed.description ?? null,
        floor: aed.floor ?? null,
      }))
      .sort((a, b) => a.distanceM - b.distanceM)
      .slice(0, limit);
  };
}
