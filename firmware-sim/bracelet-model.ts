import type { BraceletValues } from '../sensors/index.js';
import type { DeviceMessage, DeviceModel } from './device-message.js';
import { reading } from './field-ranges.js';
import { distanceM, offsetPosition, type LatLon } from './geo.js';
import { localTime, MINUTE_MS } from './local-time.js';
import { dayPlan, outingPosition, residentProfile, segmentAt, type Activity, type Outing, type PlanSegment, type ResidentProfile } from './resident-day.js';
import { seededRandom, type SeededRandom } from './seeded-random.js';
import type { SimResident } from './sim-provision.js';

/** What the wearer is doing; the plan's activities plus what scenarios make happen. */
export type Situation =
  | { activity: Activity; position: LatLon | undefined; outdoors: boolean; label: string }
  | { activity: 'fallen' | 'wandering' | 'off'; position: LatLon | undefined; outdoors: boolean; label: string };

/**
 * How a fall scores on the bracelet's detector. Hard falls score high; slides and near-falls sit
 * just above the gateway's default threshold of 0.6 (DESIGN.md); knocks and sitting down hard sit
 * below it, as the false positives a real detector produces.
 */
export type FallKind = 'hard' | 'soft' | 'knock';

export function fallConfidence(kind: FallKind, rng: SeededRandom): number {
  const [min, max] = kind === 'hard' ? [0.82, 0.97] : kind === 'soft' ? [0.62, 0.8] : [0.3, 0.58];
  return Math.round(rng.between(min, max) * 100) / 100;
}

export interface BraceletModelOptions {
  deviceId: string;
  resident: SimResident;
  timeZone: string;
  seed: string;
  /** When the simulation starts; the battery level is set for that time of day. */
  startMs: number;
  /** Telemetry interval in simulated ms; 60 s by default. */
  intervalMs?: number;
}

interface Wander {
  startMs: number;
  from: LatLon;
  bearingDeg: number;
  speedMps: number;
  maxDistanceM: number;
  returning: { startMs: number; from: LatLon; speedMps: number } | null;
}

const BP_EVERY_MS = 30 * MINUTE_MS;
const SPO2_EVERY_MS = 10 * MINUTE_MS;
const CHARGE_PCT_PER_HOUR = 60;
const HR_DELTA: Record<Situation['activity'], number> = {
  sleep: -7,
  waking: 4,
  home: 3,
  meal: 6,
  rest: -2,
  walk: 0, // the resident's own walking delta is added instead
  charging: 0,
  fallen: 20,
  wandering: 0,
  off: 0,
};

/**
 * A smart bracelet on an elderly resident's wrist: heart rate, blood pressure, SpO2, steps,
 * motion, position and battery, following the resident's day. Scenarios steer it (a fall, a
 * stay at home, wandering off); otherwise it follows the day's plan.
 */
export class BraceletModel implements DeviceModel {
  readonly kind = 'bracelet' as const;
  readonly deviceId: string;
  readonly intervalMs: number;
  readonly profile: ResidentProfile;
  readonly resident: SimResident;

  private readonly timeZone: string;
  private readonly seed: string;
  private readonly rng: SeededRandom;
  private readonly plans = new Map<string, PlanSegment[]>();
  private lastMs: number;
  private batteryPct: number;
  private steps = 0;
  private stepsDate: string;
  private motionSum = 0;
  private motionMinutes = 0;
  private hrNoise = 0;
  private lastBpMs = Number.NEGATIVE_INFINITY;
  private lastSpo2Ms = Number.NEGATIVE_INFINITY;
  private chargedOnDate: string | null = null;

  private stayInUntilMs: number | null = null;
  private extraOuting: { startMs: number; endMs: number; outing: Outing } | null = null;
  private wander: Wander | null = null;
  private fallenAt: { atMs: number; position: LatLon | undefined } | null = null;
  private offWrist = false;
  private unwellUntil: { untilMs: number; hr: number; spo2: number } | null = null;
  /** The last command the gateway sent, e.g. an ack: help is coming. */
  lastCommand: unknown = undefined;

  constructor(options: BraceletModelOptions) {
    this.deviceId = options.deviceId;
    this.resident = options.resident;
    this.timeZone = options.timeZone;
    this.seed = options.seed;
    this.intervalMs = options.intervalMs ?? 60_000;
    this.profile = residentProfile(options.resident, options.seed);
    this.rng = seededRandom(`${options.seed}/bracelet/${options.deviceId}`);
    this.lastMs = options.startMs;
    const start = localTime(options.startMs, this.timeZone);
    this.stepsDate = start.date;
    // Charged last evening, drained since it went back on the wrist.
    const hoursSinceCharged = (((start.minuteOfDay - (this.profile.chargeStartMin + 60)) % 1440) + 1440) % 1440 / 60;
    this.batteryPct = Math.max(25, Math.min(100, 100 - this.profile.drainPctPerHour * hoursSinceCharged));
  }

  get home(): LatLon | undefined {
    return this.resident.home;
  }

  get battery(): number {
    return this.batteryPct;
  }

  private plan(date: string): PlanSegment[] {
    let plan = this.plans.get(date);
    if (plan === undefined) {
      plan = dayPlan(this.resident, this.profile, date, this.seed);
      this.plans.set(date, plan);
      // Only a few days are ever looked at again.
      if (this.plans.size > 4) this.plans.delete(this.plans.keys().next().value!);
    }
    return plan;
  }

  /** Where the wearer is and what they are doing at ms (ms not before the last sample). */
  situation(ms: number): Situation {
    const home = this.home;
    if (this.fallenAt !== null) return { activity: 'fallen', position: this.fallenAt.position, outdoors: false, label: 'on the floor after a fall' };
    if (this.wander !== null) {
      const position = this.wanderPosition(this.wander, ms);
      return { activity: 'wandering', position, outdoors: true, label: this.wander.returning === null ? 'wandering, lost' : 'being walked home' };
    }
    if (this.offWrist) return { activity: 'off', position: home, outdoors: false, label: 'bracelet taken off' };
    if (this.extraOuting !== null && ms >= this.extraOuting.startMs && ms < this.extraOuting.endMs && home !== undefined) {
      const { outing } = this.extraOuting;
      const elapsedMin = (ms - this.extraOuting.startMs) / MINUTE_MS;
      const durationMin = (this.extraOuting.endMs - this.extraOuting.startMs) / MINUTE_MS;
      return { activity: 'walk', position: outingPosition(home, outing, elapsedMin, durationMin).position, outdoors: true, label: outing.label };
    }
    const local = localTime(ms, this.timeZone);
    const segment = segmentAt(this.plan(local.date), local.minuteOfDay);
    const stayingIn = this.stayInUntilMs !== null && ms < this.stayInUntilMs;
    if (segment.activity === 'walk' && segment.outing !== undefined && home !== undefined && !stayingIn) {
      const { position } = outingPosition(home, segment.outing, local.minuteOfDay - segment.startMin, segment.endMin - segment.startMin);
      return { activity: 'walk', position, outdoors: true, label: segment.outing.label };
    }
    if (segment.activity === 'walk') return { activity: 'home', position: home, outdoors: false, label: 'staying in instead of going out' };
    if (segment.activity === 'charging' && (this.chargedOnDate === local.date || this.batteryPct >= 100)) {
      return { activity: 'home', position: home, outdoors: false, label: 'at home, charged' };
    }
    return { activity: segment.activity, position: home, outdoors: false, label: segment.activity };
  }

  private wanderPosition(w: Wander, ms: number): LatLon {
    if (w.returning === null) {
      const walkedM = Math.min(w.maxDistanceM, (w.speedMps * Math.max(0, ms - w.startMs)) / 1000);
      return offsetPosition(w.from, w.bearingDeg, walkedM);
    }
    const home = this.home ?? w.from;
    const total = distanceM(w.returning.from, home);
    const walked = (w.returning.speedMps * Math.max(0, ms - w.returning.startMs)) / 1000;
    if (total === 0 || walked >= total) return home;
    const t = walked / total;
    return { lat: w.returning.from.lat + (home.lat - w.returning.from.lat) * t, lon: w.returning.from.lon + (home.lon - w.returning.from.lon) * t };
  }

  private worn(s: Situation): boolean {
    return s.activity !== 'charging' && s.activity !== 'off';
  }

  /** Share of a minute with movement, per situation. */
  private minuteMotion(s: Situation): number {
    const r = this.rng;
    switch (s.activity) {
      case 'sleep':
        // Turning over now and then; mostly still.
        return r.chance(0.08) ? r.between(0.05, 0.15) : r.between(0, 0.03);
      case 'waking':
        return r.between(0.3, 0.6);
      case 'home':
        // Pottering about: rarely still for long, so a long stillness means something.
        return r.chance(0.85) ? r.between(0.1, 0.5) : r.between(0.02, 0.05);
      case 'meal':
        return r.between(0.15, 0.35);
      case 'rest':
        return r.chance(0.3) ? r.between(0.05, 0.12) : r.between(0, 0.04);
      case 'walk':
      case 'wandering':
        return r.between(0.7, 0.95);
      case 'fallen':
        return r.between(0, 0.02);
      case 'charging':
      case 'off':
        return 0;
    }
  }

  private minuteSteps(s: Situation): number {
    const r = this.rng;
    switch (s.activity) {
      case 'walk':
      case 'wandering':
        return this.profile.stepsPerMin * r.between(0.75, 0.95);
      case 'home':
        return r.between(4, 14);
      case 'waking':
        return r.between(8, 16);
      case 'meal':
        return r.between(1, 5);
      case 'rest':
        return r.between(0, 1.5);
      default:
        return 0;
    }
  }

  /** Moves the model's state to nowMs a minute at a time: steps, battery, motion. */
  private advanceTo(nowMs: number): void {
    while (this.lastMs < nowMs) {
      const stepMs = Math.min(MINUTE_MS, nowMs - this.lastMs);
      const midMs = this.lastMs + stepMs / 2;
      const s = this.situation(midMs);
      const share = stepMs / MINUTE_MS;
      const date = localTime(this.lastMs + stepMs, this.timeZone).date;
      // The step counter restarts at local midnight (CONTRACT.md: steps since local midnight).
      if (date !== this.stepsDate) {
        this.steps = 0;
        this.stepsDate = date;
      }
      if (s.activity === 'charging') {
        this.batteryPct = Math.min(100, this.batteryPct + (CHARGE_PCT_PER_HOUR * stepMs) / 3_600_000);
        if (this.batteryPct >= 100) this.chargedOnDate = date;
      } else {
        const gps = s.outdoors ? 1.2 : 0;
        const sleeping = s.activity === 'sleep' ? -0.6 : 0;
        this.batteryPct = Math.max(0, this.batteryPct - ((this.profile.drainPctPerHour + gps + sleeping) * stepMs) / 3_600_000);
      }
      if (this.worn(s)) {
        this.steps += this.minuteSteps(s) * share;
        this.motionSum += this.minuteMotion(s) * share;
        this.motionMinutes += share;
      }
      if (this.extraOuting !== null && this.lastMs + stepMs >= this.extraOuting.endMs) this.extraOuting = null;
      if (this.wander?.returning != null && this.home !== undefined && distanceM(this.wanderPosition(this.wander, this.lastMs + stepMs), this.home) < 1) {
        this.wander = null;
      }
      this.lastMs += stepMs;
    }
  }

  private heartRate(s: Situation): number {
    this.hrNoise = 0.7 * this.hrNoise + this.rng.normal(0, 2);
    const delta = s.activity === 'walk' || s.activity === 'wandering' ? this.profile.walkHrDelta : HR_DELTA[s.activity];
    return reading('bracelet', 'hr', this.profile.restingHr + delta + this.hrNoise);
  }

  private bloodPressure(s: Situation, nowMs: number): { sbp: number; dbp: number } {
    const hour = localTime(nowMs, this.timeZone).hour;
    // Morning surge and nocturnal dip (about 10 %), as ambulatory monitoring shows.
    const circadian = s.activity === 'sleep' ? -0.1 * this.profile.sbp : hour >= 6 && hour < 10 ? 6 : 0;
    const effort = s.activity === 'walk' || s.activity === 'wandering' ? 10 : s.activity === 'fallen' ? 14 : s.activity === 'meal' ? 3 : 0;
    // Kept below the grade 3 limits (180/110): the everyday simulation is not an emergency.
    const sbp = Math.min(172, this.profile.sbp + circadian + effort + this.rng.normal(0, 4));
    const dbp = Math.min(102, this.profile.dbp + circadian * 0.5 + effort * 0.4 + this.rng.normal(0, 3));
    return { sbp: reading('bracelet', 'sbp', sbp), dbp: reading('bracelet', 'dbp', Math.min(dbp, sbp - 25)) };
  }

  private spo2(s: Situation): number {
    const effort = s.activity === 'walk' || s.activity === 'wandering' ? -0.8 : 0;
    const floor = this.profile.spo2 < 95 ? 91 : 94;
    return reading('bracelet', 'spo2', Math.max(floor, Math.min(100, this.profile.spo2 + effort + this.rng.normal(0, 0.5))));
  }

  private location(s: Situation): Pick<BraceletValues, 'lat' | 'lon' | 'acc'> {
    if (s.position === undefined) return {};
    // Outdoors GNSS is good to a few metres; indoors the fix comes from Wi-Fi and cell towers.
    const acc = s.outdoors ? this.rng.between(4, 12) : this.rng.between(15, 35);
    const jitterM = s.outdoors ? this.rng.between(0, 5) : this.rng.between(0, 12);
    const p = offsetPosition(s.position, this.rng.between(0, 360), jitterM);
    return { lat: reading('bracelet', 'lat', p.lat, 6), lon: reading('bracelet', 'lon', p.lon, 6), acc: reading('bracelet', 'acc', acc) };
  }

  sample(nowMs: number): DeviceMessage[] {
    this.advanceTo(nowMs);
    const s = this.situation(nowMs);
    const worn = this.worn(s);
    const values: BraceletValues & { ts: number } = {
      ts: nowMs,
      worn,
      bat: reading('bracelet', 'bat', this.batteryPct),
      steps: reading('bracelet', 'steps', Math.floor(this.steps)),
      ...this.location(s),
    };
    if (worn) {
      values.motion = reading('bracelet', 'motion', this.motionMinutes > 0 ? this.motionSum / this.motionMinutes : 0, 2);
      values.hr = this.heartRate(s);
      if (nowMs - this.lastBpMs >= BP_EVERY_MS) {
        Object.assign(values, this.bloodPressure(s, nowMs));
        this.lastBpMs = nowMs;
      }
      if (nowMs - this.lastSpo2Ms >= SPO2_EVERY_MS) {
        values.spo2 = this.spo2(s);
        this.lastSpo2Ms = nowMs;
      }
      const unwell = this.unwellUntil !== null && nowMs < this.unwellUntil.untilMs ? this.unwellUntil : null;
      if (unwell !== null) {
        values.hr = reading('bracelet', 'hr', unwell.hr + this.rng.normal(0, 2));
        values.spo2 = reading('bracelet', 'spo2', unwell.spo2 + this.rng.normal(0, 0.8));
      }
    } else {
      // Off the wrist the optical sensor reads nothing, and a bracelet on a table does not move.
      values.motion = 0;
    }
    this.motionSum = 0;
    this.motionMinutes = 0;
    return [{ channel: 'telemetry', body: values }];
  }

  private here(nowMs: number): { lat?: number; lon?: number } {
    const p = this.situation(nowMs).position;
    return p === undefined ? {} : { lat: reading('bracelet', 'lat', p.lat, 6), lon: reading('bracelet', 'lon', p.lon, 6) };
  }

  /** The wearer falls; a knock is a false positive and leaves them on their feet. */
  fall(nowMs: number, kind: FallKind = 'hard', confidence?: number): DeviceMessage[] {
    this.advanceTo(nowMs);
    const where = this.here(nowMs);
    const score = confidence ?? fallConfidence(kind, this.rng);
    if (kind !== 'knock') this.fallenAt = { atMs: nowMs, position: this.situation(nowMs).position };
    return [{ channel: 'events', body: { type: 'fall', confidence: score, ...where, ts: nowMs } }];
  }

  /** The wearer presses "I'm OK" and gets up. */
  cancelFall(nowMs: number): DeviceMessage[] {
    this.advanceTo(nowMs);
    this.fallenAt = null;
    return [{ channel: 'events', body: { type: 'cancel', ts: nowMs } }];
  }

  /** Someone helps the wearer up; the bracelet says nothing special. */
  recover(nowMs: number): void {
    this.advanceTo(nowMs);
    this.fallenAt = null;
  }

  get isFallen(): boolean {
    return this.fallenAt !== null;
  }

  /** The one-key call button. */
  sos(nowMs: number): DeviceMessage[] {
    this.advanceTo(nowMs);
    return [{ channel: 'events', body: { type: 'sos', ...this.here(nowMs), ts: nowMs } }];
  }

  takeOff(nowMs: number): void {
    this.advanceTo(nowMs);
    this.offWrist = true;
  }

  putOn(nowMs: number): void {
    this.advanceTo(nowMs);
    this.offWrist = false;
  }

  /** A racing heart and low oxygen until untilMs (a chest infection): read every report meanwhile. */
  feelUnwell(nowMs: number, untilMs: number, levels: { hr: number; spo2: number }): void {
    this.advanceTo(nowMs);
    this.unwellUntil = { untilMs, ...levels };
  }

  /** The battery stands at pct now (forgotten on the charger's wrong side, or just charged). */
  setBattery(nowMs: number, pct: number): void {
    this.advanceTo(nowMs);
    this.batteryPct = Math.max(0, Math.min(100, pct));
  }

  /** No outings until untilMs (a cold, a bad knee, low spirits). */
  stayIn(nowMs: number, untilMs: number): void {
    this.advanceTo(nowMs);
    this.stayInUntilMs = untilMs;
  }

  /** An unplanned walk starting now. */
  goOut(nowMs: number, minutes: number, label = 'a walk'): void {
    this.advanceTo(nowMs);
    this.stayInUntilMs = null;
    const home = this.home;
    if (home === undefined) return;
    const distance = Math.min(this.profile.park.distanceM, (minutes * 60 * this.profile.walkSpeedMps) / 3);
    const destination = offsetPosition(home, this.profile.park.bearingDeg, distance);
    this.extraOuting = { startMs: nowMs, endMs: nowMs + minutes * MINUTE_MS, outing: { label, destination, travelMin: distance / this.profile.walkSpeedMps / 60 } };
  }

  /** Walks off in one direction and keeps going, as a person with dementia who is lost may. */
  startWandering(nowMs: number, options: { bearingDeg: number; speedMps?: number; maxDistanceM: number }): void {
    this.advanceTo(nowMs);
    const from = this.situation(nowMs).position ?? this.home;
    if (from === undefined) return;
    this.wander = { startMs: nowMs, from, bearingDeg: options.bearingDeg, speedMps: options.speedMps ?? this.profile.walkSpeedMps, maxDistanceM: options.maxDistanceM, returning: null };
  }

  /** Someone finds the wanderer and walks them home. */
  bringHome(nowMs: number, speedMps = 0.8): void {
    this.advanceTo(nowMs);
    if (this.wander === null) return;
    this.wander = { ...this.wander, returning: { startMs: nowMs, from: this.wanderPosition(this.wander, nowMs), speedMps } };
  }

  get isWandering(): boolean {
    return this.wander !== null;
  }

  /** A command from the gateway (CONTRACT.md §2); returns what the wearer would notice. */
  hearCommand(command: unknown): string | undefined {
    this.lastCommand = command;
    if (typeof command !== 'object' || command === null) return undefined;
    const { cmd, byName, by } = command as { cmd?: unknown; byName?: unknown; by?: unknown };
    if (cmd !== 'ack') return undefined;
    const who = typeof byName === 'string' ? byName : typeof by === 'string' ? by : 'a worker';
    return `buzzes: help is coming (${who})`;
  }
}
