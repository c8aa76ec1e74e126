import type { Logger } from 'pino';
import type { DeviceEvent, Reading, StatusUpdate } from '../../sensors/index.js';
import type { RuleOutcome, SafetyEngine, SafetyResident, SafetyRuleOverrides, SafetyRulesConfig } from '../../rules/safety/index.js';
import type { IngestPipeline } from '../ingest/ingest-pipeline.js';
import type { Registry } from '../registry/registry.js';
import type { DeviceEntity, ResidentEntity } from '../registry/schemas.js';
import type { KnownLocation } from './alert-context.js';
import type { AlertService } from './alert-service.js';
import type { RuleStateStore } from './rule-state-store.js';

const STATE_NAME = 'safety';
const SAVE_EVERY_MS = 5_000;

export interface SafetyRulesDeps {
  ingest: IngestPipeline;
  registry: Registry;
  engine: SafetyEngine;
  /** The engine's own config object: per-grid overrides are refreshed in it when the registry changes. */
  config: SafetyRulesConfig;
  alerts: AlertService;
  ruleState: RuleStateStore;
  log: Logger;
  now(): number;
}

export interface SafetyRules {
  /** Runs the rules' timers; saves their state when something happened, or every few seconds. */
  tick(nowMs: number): void;
  /** Saves the rules' state now (also done after every outcome and on stop). */
  save(): void;
  lastLocation(residentId: string): KnownLocation | undefined;
}

function toSafetyResident(resident: ResidentEntity): SafetyResident {
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
 * Connects the resident-safety rules to ingestion and the alert service: every bracelet message
 * goes through the engine, outcomes become alerts, and the engine's state is saved after anything
 * happens, so a pending fall or a running inactivity window survives a crash.
 */
export function connectSafetyRules(deps: SafetyRulesDeps): SafetyRules {
  const { engine, registry, alerts, log } = deps;
  const restored = engine.restore(deps.ruleState.load(STATE_NAME) ?? { version: 0 });
  if (restored.ok) log.info({ subjects: restored.subjects, skipped: restored.skipped, reset: restored.reset }, 'safety rule state restored');

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
      if (!worn.has(entity.id)) continue;
      const previous = residents.get(entity.id);
      const fresh = toSafetyResident(entity);
      // The same object while unchanged, so the engine does not refresh its copy on every message.
      next.set(entity.id, previous !== undefined && JSON.stringify(previous) === JSON.stringify(fresh) ? previous : fresh);
    }
    for (const id of residents.keys()) if (!next.has(id)) engine.untrack(id);
    for (const resident of next.values()) engine.track(resident, nowMs);
    residents = next;
  }

  let lastSavedAtMs = Number.NEGATIVE_INFINITY;
  function save(): void {
    lastSavedAtMs = deps.now();
    deps.ruleState.save(STATE_NAME, engine.snapshot(), lastSavedAtMs);
  }

  function handle(outcomes: RuleOutcome[]): void {
    if (outcomes.length === 0) return;
    // State first: a crash after the alert commit must not replay the outcome as a new one.
    save();
    alerts.applyOutcomes(outcomes);
  }

  function residentOf(device: DeviceEntity): SafetyResident | undefined {
    if (device.kind !== 'bracelet' || device.resident === undefined) return undefined;
    syncResidents(deps.now());
    return residents.get(device.resident);
  }

  deps.ingest.events.on('readingAccepted', (reading: Reading, device) => {
    const resident = residentOf(device);
    if (resident === undefined) return;
    const { lat, lon } = reading.values as { lat?: number; lon?: number };
    if (typeof lat === 'number' && typeof lon === 'number') locations.set(resident.id, { lat, lon, atMs: reading.tsMs });
    handle(engine.onReading(reading, resident));
  });
  deps.ingest.events.on('eventAccepted', (event: DeviceEvent, device) => {
    const resident = residentOf(device);
    if (resident === undefined) return;
    const e = event.event as { lat?: number; lon?: number };
    if (typeof e.lat === 'number' && typeof e.lon === 'number') locations.set(resident.id, { lat: e.lat, lon: e.lon, atMs: event.tsMs });
    handle(engine.onEvent(event, resident));
  });
  deps.ingest.events.on('statusReported', (status: StatusUpdate, device) => {
    const resident = residentOf(device);
    if (resident !== undefined) handle(engine.onStatus(status, resident));
  });

  syncResidents(deps.now());
  save();

  return {
    tick(nowMs) {
      syncResidents(nowMs);
      const outcomes = engine.tick(nowMs);
      handle(outcomes);
      // Quiet ticks only move "counted until" anchors; a few seconds of them may be lost in a crash.
      if (outcomes.length === 0 && nowMs - lastSavedAtMs >= SAVE_EVERY_MS) save();
    },
    save,
    lastLocation: (id) => locations.get(id),
  };
}
