import { interpolate, offsetPosition, type LatLon } from './geo.js';
import { seededRandom, type SeededRandom } from './seeded-random.js';
import type { SimResident } from './sim-provision.js';

/**
 * An elderly resident's physiology and habits, and the plan of one day. Everything is drawn from
 * a seed per resident (and per date for the plan), so a resident is the same person on every run
 * and each day differs a little from the last.
 */

export type Activity =
  | 'sleep'
  /** Getting up, washing, dressing. */
  | 'waking'
  | 'home'
  | 'meal'
  /** An afternoon nap or sitting still. */
  | 'rest'
  | 'walk'
  /** The bracelet is on its charger, off the wrist. */
  | 'charging';

export interface Outing {
  label: string;
  destination: LatLon;
  /** Minutes each way at the resident's pace. */
  travelMin: number;
}

export interface PlanSegment {
  startMin: number;
  endMin: number;
  activity: Activity;
  outing?: Outing;
}

export interface ResidentProfile {
  restingHr: number;
  /** Extra beats per minute while walking. */
  walkHrDelta: number;
  sbp: number;
  dbp: number;
  spo2: number;
  wakeMin: number;
  bedMin: number;
  /** When the bracelet goes on the charger in the evening. */
  chargeStartMin: number;
  stepsPerMin: number;
  walkSpeedMps: number;
  /** Battery use while worn, % per hour; walks with GPS use more. */
  drainPctPerHour: number;
  /** Places this resident walks to: the park for morning exercise, the market. */
  park: { bearingDeg: number; distanceM: number };
  market: { bearingDeg: number; distanceM: number };
}

const clamp = (v: number, min: number, max: number): number => Math.min(max, Math.max(min, v));

/** Draws a resident's profile; conditions shift the baselines the way they would in life. */
export function residentProfile(resident: Pick<SimResident, 'id' | 'conditions' | 'safeZone' | 'home'>, seed: string): ResidentProfile {
  const rng = seededRandom(`${seed}/resident/${resident.id}`);
  const has = (c: string): boolean => resident.conditions.includes(c);
  // Walks stay well inside a safe zone: wandering is a scenario, not an everyday walk.
  const maxWalkM = resident.safeZone !== undefined && resident.home !== undefined ? Math.max(120, resident.safeZone.radiusM * 0.6) : 500;
  return {
    restingHr: clamp(rng.normal(has('cardiac') ? 74 : 69, 5), 56, 84),
    walkHrDelta: rng.between(18, 28),
    sbp: has('hypertension') ? clamp(rng.normal(142, 5), 132, 152) : clamp(rng.normal(122, 6), 108, 134),
    dbp: has('hypertension') ? clamp(rng.normal(87, 3), 80, 94) : clamp(rng.normal(76, 4), 66, 84),
    // COPD keeps saturation lower (target 88–92 % in exacerbations; stable patients sit near 92–95 %).
    spo2: has('copd') ? clamp(rng.normal(93.5, 0.6), 92.5, 95) : clamp(rng.normal(97, 0.7), 95.5, 98.5),
    wakeMin: rng.int(5 * 60 + 45, 6 * 60 + 15),
    bedMin: rng.int(21 * 60 + 15, 22 * 60),
    chargeStartMin: rng.int(19 * 60 + 50, 20 * 60 + 20),
    stepsPerMin: rng.between(72, 96),
    walkSpeedMps: rng.between(0.75, 1.05),
    drainPctPerHour: rng.between(2.0, 2.8),
    park: { bearingDeg: rng.between(0, 360), distanceM: Math.min(maxWalkM, rng.between(220, 420)) },
    market: { bearingDeg: rng.between(0, 360), distanceM: Math.min(maxWalkM, rng.between(250, 480)) },
  };
}

function outing(label: string, home: LatLon | undefined, spot: { bearingDeg: number; distanceM: number }, profile: ResidentProfile, rng: SeededRandom): Outing {
  const distanceM = spot.distanceM * rng.between(0.9, 1.1);
  const destination = home === undefined ? { lat: 0, lon: 0 } : offsetPosition(home, spot.bearingDeg + rng.between(-10, 10), distanceM);
  return { label, destination, travelMin: distanceM / profile.walkSpeedMps / 60 };
}

/**
 * One day's plan, minute by minute from local midnight. Chinese elderly routines: morning
 * exercise in the park, the market, a nap after lunch, a walk after dinner. The walk after dinner
 * is never skipped, so an ordinary night at home stays well under the 12-hour stayed-in rule.
 */
export function dayPlan(resident: Pick<SimResident, 'id' | 'home'>, profile: ResidentProfile, date: string, seed: string): PlanSegment[] {
  const rng = seededRandom(`${seed}/plan/${resident.id}/${date}`);
  const home = resident.home;
  const events: PlanSegment[] = [];
  const add = (startMin: number, durationMin: number, activity: Activity, trip?: Outing): number => {
    const start = Math.round(startMin);
    const end = Math.round(startMin + durationMin);
    events.push({ startMin: start, endMin: end, activity, ...(trip === undefined ? {} : { outing: trip }) });
    return end;
  };

  const wake = profile.wakeMin + rng.int(-10, 10);
  let t = add(wake, rng.int(15, 25), 'waking');
  t = add(t + rng.int(0, 10), rng.int(40, 60), 'walk', outing('morning exercise in the park', home, profile.park, profile, rng));
  t = add(t + rng.int(5, 15), 30, 'meal');
  if (rng.chance(0.7)) {
    t = add(Math.max(t + 20, 9 * 60 + 30 + rng.int(-20, 20)), rng.int(45, 70), 'walk', outing('to the market', home, profile.market, profile, rng));
  }
  t = add(Math.max(t + 15, 11 * 60 + 45 + rng.int(-10, 10)), 40, 'meal');
  t = add(t + rng.int(10, 20), rng.int(45, 75), 'rest');
  if (rng.chance(0.5)) {
    const stroll = { bearingDeg: rng.between(0, 360), distanceM: rng.between(120, 220) };
    t = add(Math.max(t + 30, 15 * 60 + 30 + rng.int(-20, 20)), rng.int(30, 45), 'walk', outing('a stroll', home, stroll, profile, rng));
  }
  t = add(Math.max(t + 20, 17 * 60 + 45 + rng.int(-10, 10)), 40, 'meal');
  t = add(t + rng.int(15, 25), rng.int(30, 45), 'walk', outing('the walk after dinner', home, rng.chance(0.5) ? profile.park : profile.market, profile, rng));
  const bed = Math.max(t + 60, profile.bedMin + rng.int(-10, 10));
  const chargeStart = Math.max(t + 10, profile.chargeStartMin + rng.int(-10, 10));
  add(chargeStart, Math.max(10, bed - chargeStart), 'charging');

  // Fill the gaps: asleep before waking and after bedtime, at home otherwise.
  const segments: PlanSegment[] = [];
  let cursor = 0;
  segments.push({ startMin: 0, endMin: wake, activity: 'sleep' });
  cursor = wake;
  for (const e of events) {
    if (e.startMin > cursor) segments.push({ startMin: cursor, endMin: e.startMin, activity: 'home' });
    segments.push(e);
    cursor = e.endMin;
  }
  segments.push({ startMin: cursor, endMin: 24 * 60, activity: 'sleep' });
  return segments.filter((s) => s.endMin > s.startMin);
}

export function segmentAt(plan: readonly PlanSegment[], minuteOfDay: number): PlanSegment {
  for (const s of plan) if (minuteOfDay >= s.startMin && minuteOfDay < s.endMin) return s;
  return plan[plan.length - 1]!;
}

/** Where a walker is, `elapsedMin` into an outing of `durationMin`: out, linger, back. */
export function outingPosition(home: LatLon, trip: Outing, elapsedMin: number, durationMin: number): { position: LatLon; phase: 'out' | 'there' | 'back' } {
  const travel = Math.min(trip.travelMin, durationMin / 2);
  if (elapsedMin < travel) return { position: interpolate(home, trip.destination, elapsedMin / travel), phase: 'out' };
  if (elapsedMin > durationMin - travel) return { position: interpolate(trip.destination, home, (elapsedMin - (durationMin - travel)) / travel), phase: 'back' };
  return { position: trip.destination, phase: 'there' };
}
