import type { DeviceEvent, Reading, StatusUpdate } from '../device-messages.js';
import { DEFAULT_TIME_ZONE, createEngineClock, restoreEngineEntries, snapshotEngine } from '../safety/index.js';
import { localDayNumber, localTimeFor } from './calendar.js';
import { battery, checkExpiry } from './cabinet/faults.js';
import { applyEvent, applyTelemetry, applyTick, heard } from './cabinet/messages.js';
import { settle } from './cabinet/settle.js';
import type { AedEngineState, CabinetState } from './cabinet/state.js';
import { AED_STATE_VERSION, padsExpiryInForce, restoreCabinet } from './cabinet/state.js';
import type { Step } from './cabinet/step.js';
import { beginStep } from './cabinet/step.js';
import { restockConfirmed } from './cabinet/use.js';
import type { AedFaultRules } from './defaults.js';
import { resolveFaultRules } from './defaults.js';
import type { CabinetSummary } from './nearest.js';
import type { AedOutcome, AedSite } from './types.js';

export type { ActiveFault, AedEngineState, CabinetState, Opening } from './cabinet/state.js';
export { AED_STATE_VERSION, padsExpiryInForce } from './cabinet/state.js';

export type AedRestoreResult = { ok: true; cabinets: number; skipped: string[] } | { ok: false; reason: string };

export interface AedCabinetEngineDeps {
  rules?: Partial<AedFaultRules>;
  /** IANA zone for expiry dates; the deployment's `timeZone`. */
  timeZone?: string;
}

export interface AedCabinetEngine {
  readonly rules: AedFaultRules;
  /**
   * Starts (or refreshes) watching a cabinet, so silence is noticed even if nothing ever arrives.
   * Call it again when the registry entry changes: a new pads or battery date is checked at once.
   */
  track(aed: AedSite, nowMs: number): AedOutcome[];
  untrack(aedId: string): void;
  onReading(reading: Reading, aed: AedSite): AedOutcome[];
  onEvent(event: DeviceEvent, aed: AedSite): AedOutcome[];
  onStatus(status: StatusUpdate, aed: AedSite): AedOutcome[];
  /** The guardian says the cabinet is restocked and closed: ends a use, back to `ready`. */
  confirmRestock(aedId: string, input: { by: string; atMs: number }): AedOutcome[];
  /** Heartbeat silence, the daily expiry check, maintenance left running. */
  tick(nowMs: number): AedOutcome[];
  cabinet(aedId: string): CabinetState | undefined;
  /** Per AED id, what findNearestUsableAeds and readinessByGrid need. */
  summaries(): Record<string, CabinetSummary>;
  snapshot(): AedEngineState;
  restore(state: unknown): AedRestoreResult;
}

/**
 * The AED cabinets' rules behind one facade, in the manner of the safety engine: time only comes
 * in as arguments and never runs backwards, and all state is plain data for snapshot/restore.
 * Each message is one step on a working copy of its cabinet (cabinet/step.ts), committed whole.
 */
export function createAedCabinetEngine(deps: AedCabinetEngineDeps = {}): AedCabinetEngine {
  const rules = resolveFaultRules(deps.rules);
  const local = localTimeFor(deps.timeZone ?? DEFAULT_TIME_ZONE);
  let cabinets = new Map<string, CabinetState>();
  // Silence while the gateway was down is not the cabinet's.
  const clock = createEngineClock((gapMs) => {
    for (const [id, c] of cabinets) cabinets.set(id, { ...c, silenceSinceMs: c.silenceSinceMs + gapMs });
  });

  function begin(aed: AedSite, nowMs: number, cause: string): Step {
    return beginStep(cabinets.get(aed.id), aed, nowMs, cause, rules.severity);
  }

  function commit(s: Step): AedOutcome[] {
    if (s.checkExpiry) checkExpiry(s, rules, local);
    settle(s);
    cabinets.set(s.cab.aed.id, s.cab);
    return s.out;
  }

  return {
    rules,
    track(aed, atMs) {
      return commit(begin(aed, clock.advance(atMs), 'registry'));
    },
    untrack(aedId) {
      cabinets.delete(aedId);
    },
    onReading(reading, aed) {
      if (reading.kind !== 'aed') return [];
      const s = begin(aed, clock.advance(reading.receivedAtMs), 'telemetry');
      heard(s, reading.deviceId);
      applyTelemetry(s, reading.values, rules);
      return commit(s);
    },
    onEvent(event, aed) {
      if (event.kind !== 'aed') return [];
      const s = begin(aed, clock.advance(event.receivedAtMs), event.event.type);
      heard(s, event.deviceId);
      applyEvent(s, event.event.type);
      return commit(s);
    },
    onStatus(status, aed) {
      if (status.kind !== 'aed') return [];
      const s = begin(aed, clock.advance(status.receivedAtMs), 'status');
      if (status.online) heard(s, status.deviceId);
      if (status.bat !== undefined) battery(s, status.bat, rules);
      return commit(s);
    },
    confirmRestock(aedId, { by, atMs }) {
      const existing = cabinets.get(aedId);
      if (existing === undefined) return [];
      const s = begin(existing.aed, clock.advance(atMs), 'restock_confirmed');
      restockConfirmed(s, by);
      return commit(s);
    },
    tick(atMs) {
      const nowMs = clock.advance(atMs);
      const today = localDayNumber(nowMs, local);
      const out: AedOutcome[] = [];
      for (const existing of [...cabinets.values()]) {
        const s = begin(existing.aed, nowMs, 'tick');
        applyTick(s, rules);
        // The daily check: once per local day, so an expiry warning is raised once, not every day.
        if (s.cab.expiryCheckedDay !== today) s.checkExpiry = true;
        out.push(...commit(s));
      }
      return out;
    },
    cabinet(aedId) {
      const cab = cabinets.get(aedId);
      return cab === undefined ? undefined : structuredClone(cab);
    },
    summaries() {
      const out: Record<string, CabinetSummary> = {};
      for (const [id, cab] of cabinets) {
        out[id] = {
          status: cab.status,
          padsExpiry: padsExpiryInForce(cab),
          batteryExpiry: cab.aed.batteryExpiry ?? null,
          restockPending: cab.restockPending,
        };
      }
      return out;
    },
    snapshot() {
      return snapshotEngine(AED_STATE_VERSION, clock, 'cabinets', cabinets);
    },
    restore(state) {
      const restored = restoreEngineEntries(state, AED_STATE_VERSION, 'cabinets', restoreCabinet);
      if (!restored.ok) return restored;
      cabinets = restored.entries;
      clock.resumeFrom(restored.clockMs);
      return { ok: true, cabinets: cabinets.size, skipped: restored.skipped };
    },
  };
}
