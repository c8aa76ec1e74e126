import type { AedEventType, AedValues, DeviceEvent, Reading, StatusUpdate } from '../../../sensors/index.js';
import type { AedCabinetEngineDeps, AedOutcome, AedSite } from '../../../rules/aed/index.js';
import { createAedCabinetEngine } from '../../../rules/aed/index.js';

export const SECOND_MS = 1000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** Epoch ms for a wall-clock time in Asia/Shanghai (UTC+8 all year, no daylight saving). */
export function shanghai(localIso: string): number {
  return Date.parse(`${localIso}+08:00`);
}

/** "2025-03-10T08:00" in Shanghai, for readable assertions. */
export function shanghaiIso(ms: number): string {
  return new Date(ms + 8 * HOUR_MS).toISOString().slice(0, 16);
}

/** The cabinet of CONTRACT.md's provision example. */
export const CABINET = { lat: 30.2661, lon: 120.1549 };

/** One degree of latitude on the mean-radius sphere rules/safety/geo.ts uses, in metres. */
const METRES_PER_DEGREE = (2 * Math.PI * 6_371_008.8) / 360;

/** A point this many metres due north of a centre. */
export function north(centre: { lat: number; lon: number }, metres: number): { lat: number; lon: number } {
  return { lat: centre.lat + metres / METRES_PER_DEGREE, lon: centre.lon };
}

export function makeAed(over: Partial<AedSite> = {}): AedSite {
  return {
    id: 'a1',
    ...CABINET,
    grid: 'g1',
    floor: 'ground',
    description: 'Community health station, left of the entrance',
    accessHours: '24/7',
    guardian: 'w2',
    serial: 'SN-1',
    padsExpiry: '2027-05-01',
    batteryExpiry: '2028-01-01',
    ...over,
  };
}

/** A clock that only moves when a test moves it. */
export function createFakeClock(startMs: number) {
  let t = startMs;
  return {
    now: () => t,
    set: (ms: number) => {
      t = ms;
    },
    advanceMs: (ms: number) => (t += ms),
  };
}

export function aedReading(atMs: number, values: AedValues, deviceId = 'aed-cab-01'): Reading {
  return { kind: 'aed', deviceId, tsMs: atMs, receivedAtMs: atMs, values };
}

export function aedEvent(atMs: number, type: AedEventType, deviceId = 'aed-cab-01'): DeviceEvent {
  return { kind: 'aed', deviceId, tsMs: atMs, receivedAtMs: atMs, event: { type } };
}

export function aedStatus(atMs: number, online: boolean, bat?: number, deviceId = 'aed-cab-01'): StatusUpdate {
  const base = { kind: 'aed' as const, deviceId, tsMs: atMs, receivedAtMs: atMs, online };
  return bat === undefined ? base : { ...base, bat };
}

/**
 * Compact labels: "raise:aed_opened", "raise:battery_low" (faults by key), "clear:battery_low",
 * "note:aed_opened", "restock", "state:ready>in_use".
 */
export function label(outcome: AedOutcome): string {
  switch (outcome.type) {
    case 'stateChanged':
      return `state:${outcome.from}>${outcome.to}`;
    case 'restockRequested':
      return 'restock';
    default: {
      const fault = outcome.details.faultKey;
      return `${outcome.type}:${outcome.kind === 'aed_fault' && typeof fault === 'string' ? fault : outcome.kind}`;
    }
  }
}

export function labels(outcomes: readonly AedOutcome[]): string[] {
  return outcomes.map(label);
}

/** An engine, a fake clock and one tracked cabinet, with shorthand for feeding them. */
export function createCabinetHarness(options: { startMs: number; aed?: AedSite; deps?: AedCabinetEngineDeps }) {
  const clock = createFakeClock(options.startMs);
  const engine = createAedCabinetEngine(options.deps ?? {});
  let aed = options.aed ?? makeAed();
  const log: { atMs: number; outcome: AedOutcome }[] = [];
  const keep = (outcomes: AedOutcome[]): AedOutcome[] => {
    for (const outcome of outcomes) log.push({ atMs: clock.now(), outcome });
    return outcomes;
  };
  const initial = keep(engine.track(aed, clock.now()));
  return {
    clock,
    engine,
    log,
    initial,
    get aed() {
      return aed;
    },
    /** Changes the registry entry, as a PUT /api/aeds/:id would. */
    update(over: Partial<AedSite>) {
      aed = { ...aed, ...over };
      return keep(engine.track(aed, clock.now()));
    },
    event: (type: AedEventType) => keep(engine.onEvent(aedEvent(clock.now(), type), aed)),
    read: (values: AedValues) => keep(engine.onReading(aedReading(clock.now(), values), aed)),
    status: (online: boolean, bat?: number) => keep(engine.onStatus(aedStatus(clock.now(), online, bat), aed)),
    confirmRestock: (by = 'w2') => keep(engine.confirmRestock(aed.id, { by, atMs: clock.now() })),
    tick: () => keep(engine.tick(clock.now())),
    /** Ticks every stepMs up to and including untilMs; heartbeatEveryMs sends a status message too. */
    run(untilMs: number, stepMs: number, heartbeatEveryMs?: number) {
      let nextBeatMs = clock.now() + (heartbeatEveryMs ?? Number.POSITIVE_INFINITY);
      while (clock.now() < untilMs) {
        clock.set(Math.min(untilMs, clock.now() + stepMs));
        if (clock.now() >= nextBeatMs) {
          keep(engine.onStatus(aedStatus(clock.now(), true), aed));
          nextBeatMs = clock.now() + (heartbeatEveryMs ?? 0);
        }
        keep(engine.tick(clock.now()));
      }
    },
    /** "type:key@local time" of every logged outcome whose label matches. */
    times(match: string): string[] {
      return log.filter((t) => label(t.outcome) === match).map((t) => `${label(t.outcome)}@${shanghaiIso(t.atMs)}`);
    },
  };
}
