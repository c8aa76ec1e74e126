// @ts-check
import { formatDistance } from './format.js';
import { t } from './i18n.js';
import { api } from './session.js';

/*
 * The walking route from a resident in trouble to the nearest usable AED (GET /api/map/route),
 * where the gateway has a routing service; else the straight line, which says it is one.
 */

/**
 * @typedef {object} WalkingRoute
 * @property {'walking' | 'straight' | 'none'} kind
 * @property {string | null} reason
 * @property {{ lat: number, lon: number } | null} from
 * @property {{ id: string, lat: number, lon: number, description: string | null, floor: string | null } | null} aed
 * @property {number | null} distanceM
 * @property {number | null} durationS
 * @property {[number, number][]} path
 */

/** The last answer per alert: a redraw between reads keeps the route it had. */
/** @type {Map<string, WalkingRoute>} */
const byAlert = new Map();

/**
 * The route for an alert, or null when it cannot be read (the straight line is drawn then).
 * @param {string} alertId
 * @returns {Promise<WalkingRoute | null>}
 */
export async function fetchWalkingRoute(alertId) {
  try {
    /** @type {WalkingRoute} */
    const route = await api(`/api/map/route?alert=${encodeURIComponent(alertId)}`);
    byAlert.set(alertId, route);
    return route;
  } catch {
    return byAlert.get(alertId) ?? null;
  }
}

/**
 * Reads the route of each resident's most severe alert, all at once.
 * @param {import('./types.js').MapBody} body
 */
export async function loadWalkingRoutes(body) {
  await Promise.all(body.residents.flatMap((r) => (r.location === null || r.alerts[0] === undefined ? [] : [fetchWalkingRoute(r.alerts[0].id)])));
}

/**
 * The walking route known for a resident on the map, or null (draw the straight line).
 * @param {import('./types.js').MapResident} resident
 * @returns {(WalkingRoute & { kind: 'walking' }) | null}
 */
export function walkingRouteOf(resident) {
  const top = resident.alerts[0];
  const route = top === undefined ? undefined : byAlert.get(top.id);
  return route !== undefined && route.kind === 'walking' && route.path.length >= 2 ? /** @type {WalkingRoute & { kind: 'walking' }} */ (route) : null;
}

/**
 * "walking route, 120 m, about 2 min".
 * @param {WalkingRoute} route
 */
export function walkingRouteText(route) {
  return t('map.walkingRoute', { distance: formatDistance(route.distanceM ?? 0), min: Math.max(1, Math.round((route.durationS ?? 0) / 60)) });
}

/**
 * The point halfway along a route, where its label goes.
 * @param {[number, number][]} path
 * @returns {[number, number]}
 */
export function midpointOf(path) {
  return path[Math.floor((path.length - 1) / 2)] ?? path[0] ?? [0, 0];
}
