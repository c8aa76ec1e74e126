import type { Logger } from 'pino';
import type { DecodedMessage } from '../../sensors/index.js';
import { resolveSafetyRules, SAFETY_STATE_VERSION, type RuleOutcome, type SafetyEngine, type SafetyResident, type SafetyRuleOverrides, type SafetyRulesConfig } from '../../rules/safety/index.js';
import type { Registry } from '../registry/registry.js';
import type { DeviceEntity, ResidentEntity } from '../registry/schemas.js';
import type { KnownLocation } from './alert-context.js';
import type { AlertService } from './alert-service.js';
import type { RuleStateStore, StateEntry } from './rule-state-store.js';

/** One row per resident, so saving after an outcome costs one resident, not the whole community. */
const SUBJECT_PREFIX = 'safety:subject:';
const CLOCK_NAME = 'safety:clock';
const SAVE_EVERY_MS = 5_000;

export interface SafetyRulesDeps {
  registry: Registry;
  engine: SafetyEngine;
  /** The engine's own config object: per-grid overrides are refreshed in it when the registry changes. */
  config: SafetyRulesConfig;
  alerts: AlertService;
  ruleState: RuleStateStore;
  log: Logger;
  now(): number;
  /**
   * Several gateways: the residents this one evaluates now. Without it every resident is this
   * gateway's, restored at start; with it, residents are taken over (`takeOver`) as their
   * partitions come, and let go as they leave.
   */
  ownership?: { owns(residentId: string): boolean };
}

/** What one message did to one resident's rules. */
export interface SafetyObservation {
  residentId: string;
  outcomes: RuleOutcome[];
}

export interface SafetyRules {
  /** Follows registry edits (residents, bracelets, per-grid rules); cheap when the registry is unchanged. */
  syncRegistry(nowMs: number): void;
  /** Runs one stored message through the engine; undefined when it is not from a worn bracelet. */
  observe(message: DecodedMessage, device: DeviceEntity): SafetyObservation | undefined;
  /** Runs the rules' timers: what fell due, for every resident. */
  tick(nowMs: number): RuleOutcome[];
  /**
   * Starts saving the state of the residents the outcomes touched (and the observed one), with
   * `alongside` in the same write; resolves once it is kept. Called before `raise`, so a crash
   * cannot replay an outcome as a new alert.
   */
  saveTouched(outcomes: readonly RuleOutcome[], observed?: string, alongside?: readonly StateEntry[]): Promise<void>;
  /** Hands the outcomes to the alert service. */
  raise(outcomes: readonly RuleOutcome[]): Promise<void>;
  /** Saves every resident whose state changed since the last save, every few seconds (undefined when not due). */
  saveIfDue(nowMs: number): Promise<void> | undefined;
  /** Saves every resident whose state changed since the last save (also done on stop). */
  save(): Promise<void>;
  lastLocation(residentId: string): KnownLocation | undefined;
  /**
   * Several gateways: the residents `taking` names are tracked from the state their last owner
   * saved; residents no longer owned are let go (their saved state stays for the next owner).
   */
  takeOver(taking: (residentId: string) => boolean, nowMs: number): Promise<number>;
}

export function toSafetyResident(resident: ResidentEntity): SafetyResident {
  return {
    id: resident.id,
    grid: resident.grid,
    ...(resident.home === undefined ? {} : { home: resident.home }),
    ...(resident.safeZone === undefined ? {} : { safeZone: resident.safeZone }),
    conditions: resident.conditions,
    ...(resident.thresholds === undefined ? {} : { thresholds: resident.thresholds }),
  };
}

/**
 * The fall's cancel window for a resident of a grid (or anyone there): the deployment's rules,
 * then the grid's, then the resident's own, as the fall rule itself resolves them.
 */
export function fallCancelWindowS(registry: Registry, deployment: SafetyRuleOverrides | undefined, gridId: string, residentId: string | null): number {
  const grid = registry.get('grids', gridId);
  const resident = residentId === null ? undefined : registry.get('residents', residentId);
  const subject: SafetyResident = resident === undefined ? { id: gridId, grid: gridId } : toSafetyResident(resident);
  const grids = grid?.rules === undefined ? {} : { [gridId]: grid.rules as SafetyRuleOverrides };
  return resolveSafetyRules({ ...(deployment === undefined ? {} : { rules: deployment }), grids }, subject).fall.cancelWindowS;
}

/**
 * The resident-safety rules between the evaluate stage and the alert service: every bracelet
 * message goes through the engine, outcomes become alerts, and the engine's state is saved after anything
 * happens (before the alerts it caused), so a pending fall or a running inactivity window survives a crash.
 */
export async function connectSafetyRules(deps: SafetyRulesDeps): Promise<SafetyRules> {
  const { engine, registry, alerts, log, ownership } = deps;
  const owned = (residentId: string): boolean => ownership === undefined || ownership.owns(residentId);
  if (ownership === undefined) {
    const savedClock = await deps.ruleState.load(CLOCK_NAME);
    const restored = engine.restore({
      version: SAFETY_STATE_VERSION,
      clockMs: typeof savedClock === 'number' ? savedClock : null,
      subjects: Object.fromEntries(await deps.ruleState.loadPrefixed(SUBJECT_PREFIX)),
    });
    if (restored.ok) log.info({ subjects: restored.subjects, skipped: restored.skipped, reset: restored.reset }, 'safety rule state restored');
    else log.warn({ reason: restored.reason }, 'safety rule state not restored; starting fresh');
  }
  /** Residents whose state changed since it was last saved. */
  const dirty = new Set<string>();

  let residents = new Map<string, SafetyResident>();
  let registryVersion = -1;
  const locations = new Map<string, KnownLocation>();

  /** Tracks every resident who wears a bracelet; follows registry edits. */
  function syncResidents(nowMs: number): void {
    if (registry.version === registryVersion) return;
    registryVersion = registry.version;
    deps.config.grids = Object.fromEntries(registry.list('grids').flatMap((g) => (g.rules === undefined ? [] : [[g.id, g.rules as SafetyRuleOverrides]])));
    const worn = new Set(registry.list('devices').flatMap((d) => (d.kind === 'bracelet' && d.resident !== undefined ? [d.resident] : [])));
    const next = new Map<string, SafetyResident>();
    for (const entity of registry.list('residents')) {
      if (!worn.has(entity.id) || !owned(entity.id)) continue;
      const previous = residents.get(entity.id);
      const fresh = toSafetyResident(entity);
      // The same object while unchanged, so the engine does not refresh its copy on every message.
      next.set(entity.id, previous !== undefined && JSON.stringify(previous) === JSON.stringify(fresh) ? previous : fresh);
    }
    for (const id of residents.keys()) {
      if (next.has(id)) continue;
      engine.untrack(id);
      dirty.delete(id);
      // Another gateway's now: its state stays for it.
      if (worn.has(id) && registry.get('residents', id) !== undefined) continue;
      deps.ruleState.delete(SUBJECT_PREFIX + id).catch((err: unknown) => log.error({ err, residentId: id }, 'forgetting a removed resident\'s rule state failed'));
    }
    for (const resident of next.values()) {
      engine.track(resident, nowMs);
      dirty.add(resident.id);
    }
    residents = next;
  }

  /** Issues the write now (its order among writes is fixed here); resolves once it is kept. */
  function saveSubjects(ids: Iterable<string>, alongside: readonly StateEntry[] = []): Promise<void> {
    const entries: StateEntry[] = [...alongside];
    for (const id of ids) {
      // A resident let go is saved by its new owner only.
      if (!owned(id)) continue;
      const subject = engine.subjectSnapshot(id);
      if (subject !== undefined) entries.push([SUBJECT_PREFIX + id, subject]);
      dirty.delete(id);
    }
    entries.push([CLOCK_NAME, engine.clockMs()]);
    return deps.ruleState.saveMany(entries, deps.now());
  }

  let lastSavedAtMs = Number.NEGATIVE_INFINITY;
  function save(): Promise<void> {
    lastSavedAtMs = deps.now();
    return saveSubjects([...dirty]);
  }

  function saveTouched(outcomes: readonly RuleOutcome[], observed?: string, alongside?: readonly StateEntry[]): Promise<void> {
    const touched = new Set(outcomes.map((o) => o.subject));
    if (observed !== undefined) touched.add(observed);
    return saveSubjects(touched, alongside);
  }

  function observe(message: DecodedMessage, device: DeviceEntity): SafetyObservation | undefined {
    if (device.kind !== 'bracelet' || device.resident === undefined) return undefined;
    const resident = residents.get(device.resident);
    if (resident === undefined) return undefined;
    dirty.add(resident.id);
    switch (message.channel) {
      case 'telemetry': {
        const { lat, lon } = message.reading.values as { lat?: number; lon?: number };
        if (typeof lat === 'number' && typeof lon === 'number') locations.set(resident.id, { lat, lon, atMs: message.reading.tsMs });
        return { residentId: resident.id, outcomes: engine.onReading(message.reading, resident) };
      }
      case 'events': {
        const e = message.event.event as { lat?: number; lon?: number };
        if (typeof e.lat === 'number' && typeof e.lon === 'number') locations.set(resident.id, { lat: e.lat, lon: e.lon, atMs: message.event.tsMs });
        return { residentId: resident.id, outcomes: engine.onEvent(message.event, resident) };
      }
      case 'status':
        return { residentId: resident.id, outcomes: engine.onStatus(message.status, resident) };
    }
  }

  /** Tracks the residents being taken from the state their last owner saved, then follows ownership whole. */
  async function takeOver(taking: (residentId: string) => boolean, nowMs: number): Promise<number> {
    const worn = new Set(registry.list('devices').flatMap((d) => (d.kind === 'bracelet' && d.resident !== undefined ? [d.resident] : [])));
    const wanted = registry.list('residents').filter((r) => worn.has(r.id) && taking(r.id) && !residents.has(r.id));
    const saved = await deps.ruleState.loadMany(wanted.map((r) => SUBJECT_PREFIX + r.id));
    // Time no gateway evaluated anyone (all were down) is downtime; the others save the clock every few seconds.
    const clock = await deps.ruleState.load(CLOCK_NAME);
    const gapMs = typeof clock === 'number' ? Math.max(0, nowMs - clock) : 0;
    for (const entity of wanted) {
      const resident = toSafetyResident(entity);
      if (!engine.adopt(resident, saved.get(SUBJECT_PREFIX + entity.id), gapMs, nowMs)) dirty.add(entity.id);
      residents.set(entity.id, resident);
    }
    registryVersion = -1;
    return wanted.length;
  }

  if (ownership === undefined) syncResidents(deps.now());
  await save();

  return {
    syncRegistry: syncResidents,
    observe,
    tick: (nowMs) => engine.tick(nowMs),
    saveTouched,
    raise: async (outcomes) => {
      if (outcomes.length > 0) await alerts.applyOutcomes(outcomes);
    },
    // Residents observed since the last save, every few seconds: a tick alone only moves
    // "counted until" anchors, which a restore recomputes from the saved clock.
    saveIfDue: (nowMs) => (nowMs - lastSavedAtMs >= SAVE_EVERY_MS ? save() : undefined),
    save,
    lastLocation: (id) => locations.get(id),
    takeOver,
  };
}
