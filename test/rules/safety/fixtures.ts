import type { BraceletEvent, BraceletValues, DeviceEvent, Reading, StatusUpdate } from '../../../sensors/index.js';
import type { RuleOutcome, SafetyResident, SafetyRulesConfig } from '../../../rules/safety/index.js';
import { createSafetyEngine } from '../../../rules/safety/index.js';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;

/** A clock that only moves when a test moves it. */
export interface FakeClock {
  now(): number;
  set(ms: number): void;
  advanceMs(ms: number): number;
  advanceS(s: number): number;
}

export function createFakeClock(startMs: number): FakeClock {
  let t = startMs;
  return {
    now: () => t,
    set: (ms) => {
      t = ms;
    },
    advanceMs: (ms) => (t += ms),
    advanceS: (s) => (t += s * 1000),
  };
}

/** Epoch ms for a wall-clock time in Asia/Shanghai (UTC+8 all year, no daylight saving). */
export function shanghai(localIso: string): number {
  return Date.parse(`${localIso}+08:00`);
}

export const HOME = { lat: 30.2655, lon: 120.1552, radiusM: 60 };
export const SAFE_ZONE = { lat: 30.2655, lon: 120.1552, radiusM: 800 };

export function makeResident(over: Partial<SafetyResident> = {}): SafetyResident {
  return { id: 'r1', grid: 'g1', home: HOME, ...over };
}

/** A point this many metres due north of a centre (1 degree of latitude is ~111,195 m). */
export function north(centre: { lat: number; lon: number }, metres: number): { lat: number; lon: number } {
  return { lat: centre.lat + metres / 111_195.08, lon: centre.lon };
}

export function reading(atMs: number, values: BraceletValues, deviceId = 'b-0001'): Reading {
  return { kind: 'bracelet', deviceId, tsMs: atMs, receivedAtMs: atMs, values };
}

export function deviceEvent(atMs: number, event: BraceletEvent, deviceId = 'b-0001'): DeviceEvent {
  return { kind: 'bracelet', deviceId, tsMs: atMs, receivedAtMs: atMs, event };
}

export function status(atMs: number, online: boolean, bat?: number, deviceId = 'b-0001'): StatusUpdate {
  const base = { kind: 'bracelet' as const, deviceId, tsMs: atMs, receivedAtMs: atMs, online };
  return bat === undefined ? base : { ...base, bat };
}

/** "raise:fall"-style labels, for compact assertions on what happened. */
export function labels(outcomes: readonly RuleOutcome[]): string[] {
  return outcomes.map((o) => `${o.type}:${o.kind}`);
}

export function ofKind(outcomes: readonly RuleOutcome[], kind: string): RuleOutcome[] {
  return outcomes.filter((o) => o.kind === kind);
}

export interface Timed {
  atMs: number;
  outcome: RuleOutcome;
}

export interface HarnessOptions {
  startMs: number;
  resident?: SafetyResident;
  config?: SafetyRulesConfig;
  timeZone?: string;
}

/** An engine, a fake clock and one resident, with shorthand for feeding them. */
export function createHarness(options: HarnessOptions) {
  const clock = createFakeClock(options.startMs);
  const engine = createSafetyEngine(
    options.timeZone === undefined
      ? { config: options.config ?? {} }
      : { config: options.config ?? {}, timeZone: options.timeZone },
  );
  const resident = options.resident ?? makeResident();
  const log: Timed[] = [];
  const keep = (outcomes: RuleOutcome[]): RuleOutcome[] => {
    for (const outcome of outcomes) log.push({ atMs: clock.now(), outcome });
    return outcomes;
  };
  return {
    clock,
    engine,
    resident,
    log,
    read: (values: BraceletValues) => keep(engine.onReading(reading(clock.now(), values), resident)),
    event: (event: BraceletEvent) => keep(engine.onEvent(deviceEvent(clock.now(), event), resident)),
    status: (online: boolean, bat?: number) => keep(engine.onStatus(status(clock.now(), online, bat), resident)),
    tick: () => keep(engine.tick(clock.now())),
    /**
     * Moves the clock to untilMs in steps of tickS, ticking at each step and sending a reading
     * every readS from now on (when values gives one for that time); the caller sends the first.
     */
    run(untilMs: number, opts: { tickS: number; readS?: number; values?: (atMs: number) => BraceletValues | null }) {
      let nextReadMs = clock.now() + (opts.readS ?? 0) * 1000;
      while (clock.now() < untilMs) {
        clock.set(Math.min(untilMs, clock.now() + opts.tickS * 1000));
        if (opts.readS !== undefined && opts.values !== undefined && clock.now() >= nextReadMs) {
          const values = opts.values(clock.now());
          if (values !== null) keep(engine.onReading(reading(clock.now(), values), resident));
          nextReadMs = clock.now() + opts.readS * 1000;
        }
        keep(engine.tick(clock.now()));
      }
    },
    /** When each outcome of this kind happened, as "type@local time" in Shanghai. */
    times(kind: string): string[] {
      return log.filter((t) => t.outcome.kind === kind).map((t) => `${t.outcome.type}@${shanghaiClock(t.atMs)}`);
    },
  };
}

/** "HH:MM:SS" in Shanghai, for readable assertions. */
export function shanghaiClock(ms: number): string {
  return new Date(ms + 8 * HOUR_MS).toISOString().slice(11, 19);
}
