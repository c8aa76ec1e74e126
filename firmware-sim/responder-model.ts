import { distanceM, interpolate, type LatLon } from './geo.js';
import type { SeededRandom } from './seeded-random.js';

/** A brisk walk with a bag: 1.4 m/s (pedestrian design speed, about 5 km/h). */
export const WALKING_MPS = 1.4;

/** What a simulated volunteer does with a dispatch, given their run as the gateway planned it. */
export type ResponderPlan =
  | { answer: 'decline'; afterS: number }
  | { answer: 'accept'; afterS: number; legs: { to: LatLon; then: 'aed_collected' | 'on_scene' }[] };

/**
 * A volunteer's answer: accept with probability `acceptP`, after a few seconds of reading the
 * page; then walk to their AED (if they fetch one) and on to the patient.
 */
export function planResponse(random: SeededRandom, acceptP: number, run: { aed: LatLon | null }, patient: LatLon): ResponderPlan {
  const afterS = random.between(5, 25);
  if (!random.chance(acceptP)) return { answer: 'decline', afterS };
  const legs: { to: LatLon; then: 'aed_collected' | 'on_scene' }[] = [];
  if (run.aed !== null) legs.push({ to: run.aed, then: 'aed_collected' });
  legs.push({ to: patient, then: 'on_scene' });
  return { answer: 'accept', afterS, legs };
}

/** One step of a walk: where they are after `seconds` at `mps`, and whether they arrived. */
export function walk(from: LatLon, to: LatLon, seconds: number, mps = WALKING_MPS): { at: LatLon; arrived: boolean } {
  const left = distanceM(from, to);
  const step = mps * seconds;
  if (step >= left) return { at: { ...to }, arrived: true };
  return { at: interpolate(from, to, step / left), arrived: false };
}
