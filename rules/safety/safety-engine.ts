import type { DeviceEvent, Reading, StatusUpdate } from '../device-messages.js';
import type { SafetyRules } from './defaults.js';
import type { EvalContext, Observation, SafetyEvaluator } from './evaluator.js';
import { wornAfter } from './evaluator.js';
import type { BatteryLowState } from './evaluators/battery-low.js';
import { batteryLowEvaluator } from './evaluators/battery-low.js';
import type { DeviceOfflineState } from './evaluators/device-offline.js';
import { deviceOfflineEvaluator, isSignOfLife } from './evaluators/device-offline.js';
import type { FallState } from './evaluators/fall.js';
import { fallEvaluator } from './evaluators/fall.js';
import type { NoMotionState } from './evaluators/no-motion.js';
import { noMotionEvaluator } from './evaluators/no-motion.js';
import type { NotWornState } from './evaluators/not-worn.js';
import { notWornEvaluator } from './evaluators/not-worn.js';
import type { SosState } from './evaluators/sos.js';
import { sosEvaluator } from './evaluators/sos.js';
import type { StayedInState } from './evaluators/stayed-in.js';
import { stayedInEvaluator } from './evaluators/stayed-in.js';
import type { VitalsState } from './evaluators/vitals.js';
import { vitalsEvaluator } from './evaluators/vitals.js';
import type { WanderingState } from './evaluators/wandering.js';
import { wanderingEvaluator } from './evaluators/wandering.js';
import type { LocalTime } from './local-time.js';
import { DEFAULT_TIME_ZONE, createLocalTime } from './local-time.js';
import type { SafetyRulesConfig } from './resolve-rules.js';
import { resolveSafetyRules } from './resolve-rules.js';
import { createEngineClock, restoreEngineEntries, snapshotEngine } from './engine-clock.js';
import { isFiniteNumber, isRecord, sameShape } from './plain-data.js';
import type { RuleOutcome, SafetyResident } from './types.js';

export interface RuleStates {
  deviceOffline: DeviceOfflineState;
  fall: FallState;
  sos: SosState;
  vitals: VitalsState;
  wandering: WanderingState;
  noMotion: NoMotionState;
  stayedIn: StayedInState;
  notWorn: NotWornState;
  batteryLow: BatteryLowState;
}

/** One resident's rule state: plain JSON data. */
export interface SubjectState {
  resident: SafetyResident;
  deviceId: string | null;
  lastMessageAtMs: number | null;
  silenceSinceMs: number;
  worn: boolean | null;
  rules: RuleStates;
}

export const SAFETY_STATE_VERSION = 1;

export interface SafetyEngineState {
  version: typeof SAFETY_STATE_VERSION;
  /** The latest time the engine has seen; after a restore, time from here to the next call is downtime. */
  clockMs: number | null;
  subjects: Record<string, SubjectState>;
}

/** `skipped`: subjects left out as malformed; `reset`: "resident.rule" states that started afresh. */
export type RestoreResult =
  | { ok: true; subjects: number; skipped: string[]; reset: string[] }
  | { ok: false; reason: string };

export interface SafetyEngineDeps {
  config?: SafetyRulesConfig;
  /** IANA zone for waking hours; the deployment's `timeZone`. */
  timeZone?: string;
}

export interface SafetyEngine {
  /** Starts (or refreshes) watching a resident, so silence is noticed even if nothing ever arrives. */
  track(resident: SafetyResident, nowMs: number): void;
  untrack(residentId: string): void;
  onReading(reading: Reading, resident: SafetyResident): RuleOutcome[];
  onEvent(event: DeviceEvent, resident: SafetyResident): RuleOutcome[];
  onStatus(status: StatusUpdate, resident: SafetyResident): RuleOutcome[];
  /** Runs timers (cancel windows, durations, silence) for every tracked resident. */
  tick(nowMs: number): RuleOutcome[];
  /** The thresholds in force for a resident, after grid and resident overrides. */
  rulesFor(resident: SafetyResident): SafetyRules;
  snapshot(): SafetyEngineState;
  /** One subject's state, for stores that save residents one at a time (cheap on a hot path). */
  subjectSnapshot(residentId: string): SubjectState | undefined;
  /** The latest time the engine has seen (the snapshot's `clockMs`). */
  clockMs(): number | null;
  restore(state: unknown): RestoreResult;
  /**
   * Takes over one resident whose state another instance saved (several gateways): tracked from
   * that state, with `gapMs` of it skipped as downtime. False when the state is unreadable: the
   * resident is then tracked afresh.
   */
  adopt(resident: SafetyResident, saved: unknown, gapMs: number, nowMs: number): boolean;
}

type RuleKey = keyof RuleStates;

const EVALUATORS: { readonly [K in RuleKey]: SafetyEvaluator<RuleStates[K]> } = {
  deviceOffline: deviceOfflineEvaluator,
  fall: fallEvaluator,
  sos: sosEvaluator,
  vitals: vitalsEvaluator,
  wandering: wanderingEvaluator,
  noMotion: noMotionEvaluator,
  stayedIn: stayedInEvaluator,
  notWorn: notWornEvaluator,
  batteryLow: batteryLowEvaluator,
};
const RULE_KEYS = Object.keys(EVALUATORS) as RuleKey[];

function initialRules(atMs: number): RuleStates {
  const out = {} as Record<RuleKey, unknown>;
  for (const key of RULE_KEYS) out[key] = EVALUATORS[key].initial(atMs);
  return out as RuleStates;
}

/** One evaluator over one state: an observation, or a tick when null. Outcomes are appended. */
function evaluate<S>(evaluator: SafetyEvaluator<S>, state: S, observation: Observation | null, ctx: EvalContext, outcomes: RuleOutcome[]): S {
  const evaluation = observation === null ? evaluator.tick(state, ctx) : evaluator.observe(state, observation, ctx);
  if (evaluation.outcomes.length > 0) outcomes.push(...evaluation.outcomes);
  return evaluation.state;
}

/**
 * Runs every evaluator in EVALUATORS order over one subject, collecting its new states and
 * outcomes. Runs for every bracelet message, so the object is written out rather than built key
 * by key.
 */
function runAll(rules: RuleStates, observation: Observation | null, ctx: EvalContext): { rules: RuleStates; outcomes: RuleOutcome[] } {
  const outcomes: RuleOutcome[] = [];
  const next: RuleStates = {
    deviceOffline: evaluate(EVALUATORS.deviceOffline, rules.deviceOffline, observation, ctx, outcomes),
    fall: evaluate(EVALUATORS.fall, rules.fall, observation, ctx, outcomes),
    sos: evaluate(EVALUATORS.sos, rules.sos, observation, ctx, outcomes),
    vitals: evaluate(EVALUATORS.vitals, rules.vitals, observation, ctx, outcomes),
    wandering: evaluate(EVALUATORS.wandering, rules.wandering, observation, ctx, outcomes),
    noMotion: evaluate(EVALUATORS.noMotion, rules.noMotion, observation, ctx, outcomes),
    stayedIn: evaluate(EVALUATORS.stayedIn, rules.stayedIn, observation, ctx, outcomes),
    notWorn: evaluate(EVALUATORS.notWorn, rules.notWorn, observation, ctx, outcomes),
    batteryLow: evaluate(EVALUATORS.batteryLow, rules.batteryLow, observation, ctx, outcomes),
  };
  return { rules: next, outcomes };
}

/**
 * A subject with some fields replaced (none of them is ever undefined). Written out: a chained
 * `{ ...subject, key }` costs about a microsecond in V8 (Node 20), and ticks touch every resident.
 */
function withSubject(s: SubjectState, c: Partial<SubjectState>): SubjectState {
  return {
    resident: c.resident !== undefined ? c.resident : s.resident,
    deviceId: c.deviceId !== undefined ? c.deviceId : s.deviceId,
    lastMessageAtMs: c.lastMessageAtMs !== undefined ? c.lastMessageAtMs : s.lastMessageAtMs,
    silenceSinceMs: c.silenceSinceMs !== undefined ? c.silenceSinceMs : s.silenceSinceMs,
    worn: c.worn !== undefined ? c.worn : s.worn,
    rules: c.rules !== undefined ? c.rules : s.rules,
  };
}

/** Moves every "counted until" and silence anchor past the gateway's downtime. */
function skipDowntime(subject: SubjectState, gapMs: number): SubjectState {
  const r = subject.rules;
  const shift = <A extends { countedUntilMs: number }>(a: A): A => ({ ...a, countedUntilMs: a.countedUntilMs + gapMs });
  return {
    ...subject,
    silenceSinceMs: subject.silenceSinceMs + gapMs,
    rules: {
      ...r,
      noMotion: { ...r.noMotion, still: shift(r.noMotion.still) },
      stayedIn: { ...r.stayedIn, inside: shift(r.stayedIn.inside) },
      notWorn: { ...r.notWorn, off: shift(r.notWorn.off) },
    },
  };
}

function restoreSubject(id: string, raw: unknown, reset: string[]): SubjectState | undefined {
  if (!isRecord(raw) || !isRecord(raw.resident) || !isFiniteNumber(raw.silenceSinceMs)) return undefined;
  const resident = raw.resident;
  if (resident.id !== id || typeof resident.grid !== 'string') return undefined;
  const rawRules = isRecord(raw.rules) ? raw.rules : {};
  const rules = initialRules(raw.silenceSinceMs) as unknown as Record<RuleKey, unknown>;
  // A rule added since the snapshot, or one whose state does not fit, starts afresh; the rest resume.
  for (const key of RULE_KEYS) {
    if (sameShape(rules[key], rawRules[key])) rules[key] = rawRules[key];
    else if (key in rawRules) reset.push(`${resident.id}.${key}`);
  }
  return {
    resident: resident as unknown as SafetyResident,
    deviceId: typeof raw.deviceId === 'string' ? raw.deviceId : null,
    lastMessageAtMs: isFiniteNumber(raw.lastMessageAtMs) ? raw.lastMessageAtMs : null,
    silenceSinceMs: raw.silenceSinceMs,
    worn: typeof raw.worn === 'boolean' ? raw.worn : null,
    rules: rules as unknown as RuleStates,
  };
}

/**
 * The resident-safety rules behind one facade. Time only comes in as arguments (a message's
 * receive time, a tick's time) and never runs backwards: a message stamped before the latest time
 * seen is evaluated at that time. All state is plain data for `snapshot`/`restore`.
 */
export function createSafetyEngine(deps: SafetyEngineDeps = {}): SafetyEngine {
  const config = deps.config ?? {};
  const local: LocalTime = createLocalTime(deps.timeZone ?? DEFAULT_TIME_ZONE);
  let subjects = new Map<string, SubjectState>();
  const clock = createEngineClock((gapMs) => {
    for (const [id, s] of subjects) subjects.set(id, skipDowntime(s, gapMs));
  });
  const advance = clock.advance;

  // Resolved once per resident object and config: residents and the config's `rules`/`grids` are
  // replaced, never edited in place, when they change.
  const resolved = new WeakMap<SafetyResident, { rules: SafetyRulesConfig['rules']; grids: SafetyRulesConfig['grids']; value: SafetyRules }>();
  function rulesFor(resident: SafetyResident): SafetyRules {
    const cached = resolved.get(resident);
    if (cached !== undefined && cached.rules === config.rules && cached.grids === config.grids) return cached.value;
    const value = resolveSafetyRules(config, resident);
    resolved.set(resident, { rules: config.rules, grids: config.grids, value });
    return value;
  }

  function ensure(resident: SafetyResident, nowMs: number): SubjectState {
    const existing = subjects.get(resident.id);
    if (existing !== undefined) {
      if (existing.resident === resident) return existing;
      const refreshed = withSubject(existing, { resident });
      subjects.set(resident.id, refreshed);
      return refreshed;
    }
    const created: SubjectState = {
      resident,
      deviceId: null,
      lastMessageAtMs: null,
      silenceSinceMs: nowMs,
      worn: null,
      rules: initialRules(nowMs),
    };
    subjects.set(resident.id, created);
    return created;
  }

  function contextOf(subject: SubjectState, nowMs: number, deviceId: string | null): EvalContext {
    return {
      nowMs,
      rules: rulesFor(subject.resident),
      resident: subject.resident,
      local,
      deviceId,
      lastMessageAtMs: subject.lastMessageAtMs,
      silenceSinceMs: subject.silenceSinceMs,
      worn: subject.worn,
    };
  }

  function observe(resident: SafetyResident, deviceId: string, atMs: number, observation: Observation): RuleOutcome[] {
    const nowMs = advance(atMs);
    const subject = ensure(resident, nowMs);
    const ctx = contextOf(subject, nowMs, deviceId);
    const { rules, outcomes } = runAll(subject.rules, observation, ctx);
    const alive = isSignOfLife(observation);
    subjects.set(resident.id, {
      resident: subject.resident,
      deviceId,
      lastMessageAtMs: alive ? nowMs : subject.lastMessageAtMs,
      silenceSinceMs: alive ? nowMs : subject.silenceSinceMs,
      worn: wornAfter(observation, ctx),
      rules,
    });
    return outcomes;
  }

  return {
    track(resident, nowMs) {
      ensure(resident, advance(nowMs));
    },
    untrack(residentId) {
      subjects.delete(residentId);
    },
    onReading(reading, resident) {
      if (reading.kind !== 'bracelet') return [];
      return observe(resident, reading.deviceId, reading.receivedAtMs, { type: 'reading', values: reading.values });
    },
    onEvent(event, resident) {
      if (event.kind !== 'bracelet') return [];
      return observe(resident, event.deviceId, event.receivedAtMs, { type: 'event', event: event.event });
    },
    onStatus(status, resident) {
      if (status.kind !== 'bracelet') return [];
      return observe(resident, status.deviceId, status.receivedAtMs, {
        type: 'status',
        online: status.online,
        bat: status.bat ?? null,
      });
    },
    tick(atMs) {
      const nowMs = advance(atMs);
      const outcomes: RuleOutcome[] = [];
      for (const [id, subject] of subjects) {
        const ctx = contextOf(subject, nowMs, subject.deviceId);
        const result = runAll(subject.rules, null, ctx);
        subjects.set(id, withSubject(subject, { rules: result.rules }));
        outcomes.push(...result.outcomes);
      }
      return outcomes;
    },
    rulesFor,
    subjectSnapshot(residentId) {
      const subject = subjects.get(residentId);
      return subject === undefined ? undefined : structuredClone(subject);
    },
    clockMs: clock.latestMs,
    snapshot() {
      return snapshotEngine(SAFETY_STATE_VERSION, clock, 'subjects', subjects);
    },
    adopt(resident, saved, gapMs, nowMs) {
      const restored = restoreSubject(resident.id, saved, []);
      if (restored === undefined) {
        subjects.delete(resident.id);
        ensure(resident, advance(nowMs));
        return false;
      }
      subjects.set(resident.id, gapMs > 0 ? skipDowntime(restored, gapMs) : restored);
      ensure(resident, advance(nowMs));
      return true;
    },
    restore(state) {
      const reset: string[] = [];
      const restored = restoreEngineEntries(state, SAFETY_STATE_VERSION, 'subjects', (id, raw) => restoreSubject(id, raw, reset));
      if (!restored.ok) return restored;
      subjects = restored.entries;
      clock.resumeFrom(restored.clockMs);
      return { ok: true, subjects: subjects.size, skipped: restored.skipped, reset };
    },
  };
}
