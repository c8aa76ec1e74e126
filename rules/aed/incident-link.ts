import { distanceM } from '../safety/index.js';
import type { IncidentLinkConfig } from './defaults.js';
import { resolveLinkConfig } from './defaults.js';

/** A bracelet `fall` or `sos` alert: where and when; the place may be unknown (an SOS without a fix). */
export interface BraceletIncident {
  kind: 'fall' | 'sos';
  atMs: number;
  lat?: number;
  lon?: number;
}

/** An `aed_opened` incident: the cabinet's place and the opening time. */
export interface CabinetIncident {
  atMs: number;
  lat: number;
  lon: number;
}

export type IncidentLink =
  | { linked: true; distanceM: number; apartS: number }
  | { linked: false; reason: 'no_location' | 'too_far' | 'too_far_apart_in_time'; distanceM: number | null; apartS: number };

/**
 * Whether a resident's fall or SOS and an opened cabinet are one emergency: within 200 m and
 * 10 minutes of each other (either may come first), both inclusive. Without a location for the
 * bracelet alert they are not linked; the caller may pass the last known fix or the home instead.
 */
export function linkIncidents(
  bracelet: BraceletIncident,
  cabinet: CabinetIncident,
  config?: Partial<IncidentLinkConfig>,
): IncidentLink {
  const { withinM, withinS } = resolveLinkConfig(config);
  const apartS = Math.abs(bracelet.atMs - cabinet.atMs) / 1000;
  const located = Number.isFinite(bracelet.lat) && Number.isFinite(bracelet.lon);
  const metres = located ? Math.round(distanceM(bracelet.lat as number, bracelet.lon as number, cabinet.lat, cabinet.lon)) : null;
  if (apartS > withinS) return { linked: false, reason: 'too_far_apart_in_time', distanceM: metres, apartS };
  if (metres === null) return { linked: false, reason: 'no_location', distanceM: null, apartS };
  if (metres > withinM) return { linked: false, reason: 'too_far', distanceM: metres, apartS };
  return { linked: true, distanceM: metres, apartS };
}

/** Of several open incidents, the one a bracelet alert belongs to: the nearest linked one. */
export function findLinkedIncident<T extends CabinetIncident>(
  bracelet: BraceletIncident,
  cabinets: readonly T[],
  config?: Partial<IncidentLinkConfig>,
): { incident: T; distanceM: number; apartS: number } | undefined {
  let best: { incident: T; distanceM: number; apartS: number } | undefined;
  for (const incident of cabinets) {
    const link = linkIncidents(bracelet, incident, config);
    if (!link.linked) continue;
    const closer =
      best === undefined || link.distanceM < best.distanceM || (link.distanceM === best.distanceM && link.apartS < best.apartS);
    if (closer) best = { incident, distanceM: link.distanceM, apartS: link.apartS };
  }
  return best;
}
