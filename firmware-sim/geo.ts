import { distanceM as greatCircleM } from '../rules/safety/index.js';

/** Small-distance geometry on WGS84 coordinates: walks within a neighbourhood, not across oceans. */

export interface LatLon {
  lat: number;
  lon: number;
}

const EARTH_RADIUS_M = 6_371_008.8; // IUGG mean radius
const toRad = (deg: number): number => (deg * Math.PI) / 180;
const toDeg = (rad: number): number => (rad * 180) / Math.PI;

/** Great-circle distance in metres, as the gateway's rules measure it. */
export function distanceM(a: LatLon, b: LatLon): number {
  return greatCircleM(a.lat, a.lon, b.lat, b.lon);
}

/** The point distanceM away from `from` in the direction bearingDeg (0 = north, 90 = east). */
export function offsetPosition(from: LatLon, bearingDeg: number, distance: number): LatLon {
  const lat1 = toRad(from.lat);
  const lon1 = toRad(from.lon);
  const angular = distance / EARTH_RADIUS_M;
  const bearing = toRad(bearingDeg);
  const lat2 = Math.asin(Math.sin(lat1) * Math.cos(angular) + Math.cos(lat1) * Math.sin(angular) * Math.cos(bearing));
  const lon2 = lon1 + Math.atan2(Math.sin(bearing) * Math.sin(angular) * Math.cos(lat1), Math.cos(angular) - Math.sin(lat1) * Math.sin(lat2));
  return { lat: toDeg(lat2), lon: toDeg(lon2) };
}

/** The point a share `t` (0..1) of the way from a to b; straight enough over a few kilometres. */
export function interpolate(a: LatLon, b: LatLon, t: number): LatLon {
  const s = Math.min(1, Math.max(0, t));
  return { lat: a.lat + (b.lat - a.lat) * s, lon: a.lon + (b.lon - a.lon) * s };
}

/** Initial bearing from a to b in degrees. */
export function bearingDeg(a: LatLon, b: LatLon): number {
  const lat1 = toRad(a.lat);
  const lat2 = toRad(b.lat);
  const dLon = toRad(b.lon - a.lon);
  const y = Math.sin(dLon) * Math.cos(lat2);
  const x = Math.cos(lat1) * Math.sin(lat2) - Math.sin(lat1) * Math.cos(lat2) * Math.cos(dLon);
  return (toDeg(Math.atan2(y, x)) + 360) % 360;
}
