import { distanceM } from '../safety/index.js';
import { findNearestUsableAeds, type CabinetSummary } from './nearest.js';
import type { AedSite } from './types.js';

/** A usable AED near a patient: somewhere a responder could fetch a defibrillator from. */
export interface AedOption {
  id: string;
  lat: number;
  lon: number;
  /** Great-circle distance to the patient, whole metres. */
  toPatientM: number;
}

export interface UsableAedsNearQuery {
  aeds: readonly AedSite[];
  states: Readonly<Record<string, CabinetSummary | undefined>>;
  patient: { lat: number; lon: number };
  /** AEDs farther than this from the patient are not worth a detour. */
  withinM: number;
  nowMs: number;
  timeZone: string;
}

/** Metres per degree of latitude (mean-radius sphere, as rules/safety/geo.ts). */
const M_PER_DEG_LAT = (2 * Math.PI * 6_371_008.8) / 360;

/**
 * The AEDs usable now (ready, open per their access hours, in date, not in use) within `withinM`
 * of the patient, nearest first. A cheap box test comes first, so a city's 4,200 cabinets cost
 * little more than the few near the patient.
 */
export function usableAedsNear(query: UsableAedsNearQuery): AedOption[] {
  const { patient, withinM } = query;
  const dLat = withinM / M_PER_DEG_LAT;
  const dLon = dLat / Math.max(0.01, Math.cos((patient.lat * Math.PI) / 180));
  const near = query.aeds.filter(
    (a) => Math.abs(a.lat - patient.lat) <= dLat && Math.abs(a.lon - patient.lon) <= dLon && distanceM(patient.lat, patient.lon, a.lat, a.lon) <= withinM,
  );
  if (near.length === 0) return [];
  const found = findNearestUsableAeds({ aeds: near, states: query.states, at: patient, nowMs: query.nowMs, timeZone: query.timeZone, limit: near.length });
  return found.aeds.map((a) => ({ id: a.id, lat: a.lat, lon: a.lon, toPatientM: a.distanceM }));
}

/** How one responder goes: through an AED, or straight to the patient. */
export interface RunPlan {
  route: 'via_aed' | 'direct';
  aedId: string | null;
  /** Responder to the AED, whole metres; null when direct. */
  toAedM: number | null;
  /** The whole route's length: via the AED, or straight. */
  routeM: number;
  /** Straight to the patient. */
  directM: number;
}

/**
 * The plan for one responder. Their AED is the one that makes their whole route (to the AED,
 * then to the patient) shortest; when someone else is already fetching that AED, they go straight
 * to the patient: two people running for one defibrillator waste one of them, and the first
 * minutes of compressions matter as much as the shock.
 */
export function planRun(from: { lat: number; lon: number }, patient: { lat: number; lon: number }, options: readonly AedOption[], claimed: ReadonlySet<string>): RunPlan {
  const directM = Math.round(distanceM(from.lat, from.lon, patient.lat, patient.lon));
  let best: { option: AedOption; toAedM: number; routeM: number } | undefined;
  for (const option of options) {
    const toAedM = Math.round(distanceM(from.lat, from.lon, option.lat, option.lon));
    const routeM = toAedM + option.toPatientM;
    if (best === undefined || routeM < best.routeM || (routeM === best.routeM && option.id < best.option.id)) best = { option, toAedM, routeM };
  }
  if (best === undefined || claimed.has(best.option.id)) return { route: 'direct', aedId: null, toAedM: null, routeM: directM, directM };
  return { route: 'via_aed', aedId: best.option.id, toAedM: best.toAedM, routeM: best.routeM, directM };
}
