import type { AedValues, DeviceEvent, Reading, StatusUpdate } from '../../sensors/index.js';
import type { LocalTime, OutcomeDetails, Severity } from '../safety/index.js';
import { DEFAULT_TIME_ZONE, isFiniteNumber, isRecord, sameShape } from '../safety/index.js';
import { daysUntil, localDayNumber, localTimeFor } from './calendar.js';
import type { AedFaultRules } from './defaults.js';
import { resolveFaultRules } from './defaults.js';
import type { CabinetSummary } from './nearest.js';
import type { AedKind, AedOutcome, AedSite, CabinetStatus, FaultKey } from './types.js';
import { BLOCKING_FAULTS, CABINET_STATUSES, FAULT_KEYS, faultDedupKey, openedDedupKey } from './types.js';

/** One use of the cabinet, from the door opening (or the AED leaving) until it is back. */
export interface Opening {
  /** `{aedId}@{openedAtMs}`: tells two openings of one cabinet apart on the alert. */
  id: string;
  openedAtMs: number;
  trigger: 'door_open' | 'aed_removed';
  aedRemoved: boolean;
}

/** A fault condition that holds now; whether it has been raised is kept apart (`raised`). */
export interface ActiveFault {
  sinceMs: number;
  /** The values behind it at the latest evaluation. */
  details: OutcomeDetails;
}

/** One cabinet's state: plain JSON data. */
export interface CabinetState {
  aed: AedSite;
  deviceId: string | null;
  status: CabinetStatus;
  door: 'open' | 'closed' | null;
  present: boolean | null;
  opening: Opening | null;
  /** Used and put back, and the guardian has not confirmed a restock yet. */
  restockPending: boolean;
  maintenanceSinceMs: number | null;
  lastMessageAtMs: number | null;
  /** Where heartbeat silence is counted from: the last message, or tracking, moved past downtime. */
  silenceSinceMs: number;
  lastSelfTest: { result: 'pass' | 'fail'; atMs: number } | null;
  bat: number | null;
  tempC: number | null;
  /** The pads' expiry as the cabinet reports it (telemetry `padsExpiry`). */
  devicePadsExpiry: string | null;
  /** Which pads expiry is in force: whichever of the registry and the cabinet changed last. */
  padsExpirySource: 'registry' | 'device';
  /** The local day (days since 1970-01-01) of the last expiry check. */
  expiryCheckedDay: number | null;
  active: Partial<Record<FaultKey, ActiveFault>>;
  /** Faults with an alert out, and since when. */
  raised: Partial<Record<FaultKey, number>>;
}

export const AED_STATE_VERSION = 1;

export interface AedEngineState {
  version: typeof AED_STATE_VERSION;
  clockMs: number | null;
  cabinets: Record<string, CabinetState>;
}

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

/** The working copy of one cabinet during one step, and what the step produced. */
interface Step {
  cab: CabinetState;
  nowMs: number;
  out: AedOutcome[];
  /** What caused this step, for the state change it may bring. */
  cause: string;
  checkExpiry: boolean;
  severity: Severity;
}

function draftOf(cab: CabinetState): CabinetState {
  return {
    ...cab,
    opening: cab.opening === null ? null : { ...cab.opening },
    active: { ...cab.active },
    raised: { ...cab.raised },
  };
}

function base(s: Step) {
  return { subject: s.cab.aed.id, grid: s.cab.aed.grid ?? null, occurredAtMs: s.nowMs };
}

function note(s: Step, kind: AedKind, dedupKey: string, text: string, details: OutcomeDetails): void {
  s.out.push({ type: 'note', kind, dedupKey, ...base(s), text, details });
}

/** The pads date in force: the source that changed last, else whichever is known. */
export function padsExpiryInForce(cab: CabinetState): string | null {
  const registry = cab.aed.padsExpiry ?? null;
  return cab.padsExpirySource === 'device' ? (cab.devicePadsExpiry ?? registry) : (registry ?? cab.devicePadsExpiry);
}

function deriveStatus(cab: CabinetState): CabinetStatus {
  if (cab.maintenanceSinceMs !== null) return 'maintenance';
  if (cab.opening !== null) return 'in_use';
  if (cab.active.no_heartbeat !== undefined) return 'offline';
  if (FAULT_KEYS.some((key) => BLOCKING_FAULTS.has(key) && cab.active[key] !== undefined)) return 'fault';
  return 'ready';
}

function statusReason(cab: CabinetState, status: CabinetStatus, cause: string): string {
  switch (status) {
    case 'maintenance':
      return 'maintenance_start';
    case 'in_use':
      return cab.opening?.trigger ?? cause;
    case 'offline':
      return 'no_heartbeat';
    case 'fault':
      return FAULT_KEYS.find((key) => BLOCKING_FAULTS.has(key) && cab.active[key] !== undefined) ?? cause;
    case 'ready':
      return cause;
  }
}

/** Opens a use unless one is running or the cabinet is being serviced. */
function opened(s: Step, trigger: Opening['trigger']): void {
  const { cab, nowMs } = s;
  if (cab.maintenanceSinceMs !== null) return;
  const dedupKey = openedDedupKey(cab.aed.id);
  if (cab.opening !== null) {
    if (trigger === 'aed_removed' && !cab.opening.aedRemoved) {
      cab.opening.aedRemoved = true;
      // Taken in the same message as the door opened: the raise already says enough.
      if (cab.opening.openedAtMs !== nowMs) {
        note(s, 'aed_opened', dedupKey, 'The AED was taken out of the cabinet', { openingId: cab.opening.id });
      }
    }
    return;
  }
  cab.opening = { id: `${cab.aed.id}@${nowMs}`, openedAtMs: nowMs, trigger, aedRemoved: trigger === 'aed_removed' };
  const { aed } = cab;
  s.out.push({
    type: 'raise',
    kind: 'aed_opened',
    dedupKey,
    ...base(s),
    severity: 'critical',
    details: {
      openingId: cab.opening.id,
      trigger,
      deviceId: cab.deviceId,
      lat: aed.lat,
      lon: aed.lon,
      floor: aed.floor ?? null,
      description: aed.description ?? null,
      guardian: aed.guardian ?? null,
    },
  });
}

type EndReason = 'door_closed' | 'aed_returned' | 'restock_confirmed' | 'maintenance_start';

const END_TEXT: Record<EndReason, string> = {
  door_closed: 'The cabinet door closed with the AED inside',
  aed_returned: 'The AED was put back in the cabinet',
  restock_confirmed: 'The guardian confirmed the cabinet is restocked',
  maintenance_start: 'Maintenance started on the cabinet',
};

function endUse(s: Step, reason: EndReason, by: string | null = null): void {
  const { cab, nowMs } = s;
  const opening = cab.opening;
  if (opening === null) return;
  cab.opening = null;
  s.cause = reason;
  const dedupKey = openedDedupKey(cab.aed.id);
  const details = {
    openingId: opening.id,
    reason,
    by,
    inUseForS: Math.round((nowMs - opening.openedAtMs) / 1000),
    aedRemoved: opening.aedRemoved,
  };
  note(s, 'aed_opened', dedupKey, END_TEXT[reason], details);
  // The guardian is at the cabinet in the other two cases: no need to ask.
  if (reason === 'door_closed' || reason === 'aed_returned') {
    cab.restockPending = true;
    s.out.push({ type: 'restockRequested', kind: 'aed_opened', dedupKey, ...base(s), guardian: cab.aed.guardian ?? null, details });
  }
}

function selfTest(s: Step, result: 'pass' | 'fail'): void {
  const { cab, nowMs } = s;
  cab.lastSelfTest = { result, atMs: nowMs };
  if (result === 'pass') delete cab.active.self_test_failed;
  else cab.active.self_test_failed ??= { sinceMs: nowMs, details: { selfTest: 'fail' } };
}

function battery(s: Step, bat: number, rules: AedFaultRules): void {
  const { cab, nowMs } = s;
  cab.bat = bat;
  const current = cab.active.battery_low;
  const details = { bat, belowPct: rules.batteryLowBelowPct, clearAtPct: rules.batteryClearAtPct };
  if (current === undefined) {
    if (bat < rules.batteryLowBelowPct) cab.active.battery_low = { sinceMs: nowMs, details };
  } else if (bat >= rules.batteryClearAtPct) delete cab.active.battery_low;
  else cab.active.battery_low = { ...current, details };
}

function temperature(s: Step, tempC: number, rules: AedFaultRules): void {
  const { cab, nowMs } = s;
  cab.tempC = tempC;
  const current = cab.active.temperature_out_of_range;
  const details = { tempC, minC: rules.tempMinC, maxC: rules.tempMaxC };
  const outside = tempC < rules.tempMinC || tempC > rules.tempMaxC;
  const wellInside = tempC >= rules.tempMinC + rules.tempHysteresisC && tempC <= rules.tempMaxC - rules.tempHysteresisC;
  if (current === undefined) {
    if (outside) cab.active.temperature_out_of_range = { sinceMs: nowMs, details };
  } else if (wellInside) delete cab.active.temperature_out_of_range;
  else cab.active.temperature_out_of_range = { ...current, details };
}

function checkExpiry(s: Step, rules: AedFaultRules, local: LocalTime): void {
  const { cab, nowMs } = s;
  cab.expiryCheckedDay = localDayNumber(nowMs, local);
  const dates: [FaultKey, string | null, string][] = [
    ['pads_expiring', padsExpiryInForce(cab), 'pads'],
    ['battery_expiring', cab.aed.batteryExpiry ?? null, 'battery'],
  ];
  for (const [fault, date, part] of dates) {
    const daysLeft = date === null ? undefined : daysUntil(date, nowMs, local);
    const current = cab.active[fault];
    if (date === null || daysLeft === undefined || daysLeft > rules.expiringWithinDays) {
      delete cab.active[fault];
      continue;
    }
    const expired = daysLeft < 0;
    if (expired && current?.details.expired === false && cab.raised[fault] !== undefined) {
      note(s, 'aed_fault', faultDedupKey(cab.aed.id, fault), `The ${part} expired on ${date}`, { faultKey: fault, expiresOn: date });
    }
    const details = { expiresOn: date, daysLeft, expired, withinDays: rules.expiringWithinDays };
    cab.active[fault] = { sinceMs: current?.sinceMs ?? nowMs, details };
  }
}

function clearDetails(cab: CabinetState, fault: FaultKey, nowMs: number): OutcomeDetails {
  switch (fault) {
    case 'self_test_failed':
      return { selfTest: cab.lastSelfTest?.result ?? null };
    case 'battery_low':
      return { bat: cab.bat };
    case 'temperature_out_of_range':
      return { tempC: cab.tempC };
    case 'pads_expiring':
      return { expiresOn: padsExpiryInForce(cab) };
    case 'battery_expiring':
      return { expiresOn: cab.aed.batteryExpiry ?? null };
    case 'no_heartbeat':
      return { silentForS: Math.round((nowMs - cab.silenceSinceMs) / 1000) };
  }
}

/**
 * Raises what became true and clears what stopped, one alert per fault for as long as it holds.
 * During maintenance nothing new is raised (a technician swapping the battery is not a fault);
 * what still holds when it ends is raised then.
 */
function settle(s: Step): void {
  const { cab, nowMs } = s;
  const servicing = cab.maintenanceSinceMs !== null;
  for (const fault of FAULT_KEYS) {
    const active = cab.active[fault];
    const raisedAtMs = cab.raised[fault];
    const dedupKey = faultDedupKey(cab.aed.id, fault);
    if (active !== undefined && raisedAtMs === undefined && !servicing) {
      cab.raised[fault] = nowMs;
      s.out.push({
        type: 'raise',
        kind: 'aed_fault',
        dedupKey,
        ...base(s),
        severity: s.severity,
        details: {
          faultKey: fault,
          deviceId: cab.deviceId,
          guardian: cab.aed.guardian ?? null,
          serial: cab.aed.serial ?? null,
          sinceMs: active.sinceMs,
          ...active.details,
        },
      });
    } else if (active === undefined && raisedAtMs !== undefined) {
      delete cab.raised[fault];
      s.out.push({
        type: 'clear',
        kind: 'aed_fault',
        dedupKey,
        ...base(s),
        details: { faultKey: fault, raisedAtMs, ...clearDetails(cab, fault, nowMs) },
      });
    }
  }
  const status = deriveStatus(cab);
  if (status !== cab.status) {
    s.out.push({ type: 'stateChanged', ...base(s), from: cab.status, to: status, reason: statusReason(cab, status, s.cause) });
    cab.status = status;
  }
}

function freshCabinet(aed: AedSite, nowMs: number): CabinetState {
  return {
    aed,
    deviceId: null,
    status: 'ready',
    door: null,
    present: null,
    opening: null,
    restockPending: false,
    maintenanceSinceMs: null,
    lastMessageAtMs: null,
    silenceSinceMs: nowMs,
    lastSelfTest: null,
    bat: null,
    tempC: null,
    devicePadsExpiry: null,
    padsExpirySource: 'registry',
    expiryCheckedDay: null,
    active: {},
    raised: {},
  };
}

function restoreCabinet(id: string, raw: unknown): CabinetState | undefined {
  if (!isRecord(raw) || !isRecord(raw.aed) || !isFiniteNumber(raw.silenceSinceMs)) return undefined;
  const { aed } = raw;
  if (aed.id !== id || !isFiniteNumber(aed.lat) || !isFiniteNumber(aed.lon)) return undefined;
  if (!sameShape(freshCabinet(aed as unknown as AedSite, 0), raw)) return undefined;
  if (!(CABINET_STATUSES as readonly unknown[]).includes(raw.status)) return undefined;
  if (!isRecord(raw.active) || !isRecord(raw.raised)) return undefined;
  const active: Partial<Record<FaultKey, ActiveFault>> = {};
  const raised: Partial<Record<FaultKey, number>> = {};
  // Unknown or malformed faults are dropped: a fault that still holds is found again.
  for (const fault of FAULT_KEYS) {
    const a = raw.active[fault];
    if (isRecord(a) && isFiniteNumber(a.sinceMs) && isRecord(a.details)) {
      active[fault] = { sinceMs: a.sinceMs, details: a.details as OutcomeDetails };
    }
    const r = raw.raised[fault];
    if (isFiniteNumber(r)) raised[fault] = r;
  }
  const opening = raw.opening;
  if (opening !== null && !(isRecord(opening) && typeof opening.id === 'string' && isFiniteNumber(opening.openedAtMs))) {
    return undefined;
  }
  return { ...(raw as unknown as CabinetState), active, raised };
}

/**
 * The AED cabinets' rules behind one facade, in the manner of the safety engine: time only comes
 * in as arguments and never runs backwards, and all state is plain data for snapshot/restore.
 */
export function createAedCabinetEngine(deps: AedCabinetEngineDeps = {}): AedCabinetEngine {
  const rules = resolveFaultRules(deps.rules);
  const local = localTimeFor(deps.timeZone ?? DEFAULT_TIME_ZONE);
  let cabinets = new Map<string, CabinetState>();
  let clockMs: number | null = null;
  let resumeFromMs: number | null = null;

  /** Advances the engine clock and returns the time to evaluate at. */
  function advance(atMs: number): number {
    if (resumeFromMs !== null) {
      const gapMs = atMs - resumeFromMs;
      resumeFromMs = null;
      // Silence while the gateway was down is not the cabinet's.
      if (gapMs > 0) for (const [id, c] of cabinets) cabinets.set(id, { ...c, silenceSinceMs: c.silenceSinceMs + gapMs });
    }
    if (clockMs === null || atMs > clockMs) clockMs = atMs;
    return clockMs;
  }

  /** A step on one cabinet, created or refreshed from the registry entry when given. */
  function begin(aed: AedSite, nowMs: number, cause: string): Step {
    const existing = cabinets.get(aed.id);
    if (existing === undefined) {
      return { cab: freshCabinet(aed, nowMs), nowMs, out: [], cause, checkExpiry: true, severity: rules.severity };
    }
    const cab = draftOf(existing);
    let checkExpiry = false;
    if (existing.aed !== aed) {
      if (existing.aed.padsExpiry !== aed.padsExpiry) {
        cab.padsExpirySource = 'registry';
        checkExpiry = true;
      }
      if (existing.aed.batteryExpiry !== aed.batteryExpiry) checkExpiry = true;
      cab.aed = aed;
    }
    return { cab, nowMs, out: [], cause, checkExpiry, severity: rules.severity };
  }

  function commit(s: Step): AedOutcome[] {
    if (s.checkExpiry) checkExpiry(s, rules, local);
    settle(s);
    cabinets.set(s.cab.aed.id, s.cab);
    return s.out;
  }

  /** Any message at all is a heartbeat, except a Last Will: that is the broker speaking. */
  function heard(s: Step, deviceId: string): void {
    s.cab.deviceId = deviceId;
    s.cab.lastMessageAtMs = s.nowMs;
    s.cab.silenceSinceMs = s.nowMs;
    delete s.cab.active.no_heartbeat;
  }

  function applyTelemetry(s: Step, values: AedValues): void {
    const { cab } = s;
    // Door open first and door closed last, so {door: closed, present: true} ends a use in one message.
    if (values.door === 'open') {
      const was = cab.door;
      cab.door = 'open';
      if (was === 'closed') opened(s, 'door_open');
    }
    if (values.present !== undefined) {
      const was = cab.present;
      cab.present = values.present;
      if (was === true && !values.present) opened(s, 'aed_removed');
      if (was === false && values.present && cab.door === 'closed') endUse(s, 'aed_returned');
    }
    if (values.door === 'closed') {
      const was = cab.door;
      cab.door = 'closed';
      if (was !== 'closed' && cab.present !== false) endUse(s, 'door_closed');
    }
    if (values.selfTest !== undefined) selfTest(s, values.selfTest);
    if (values.bat !== undefined) battery(s, values.bat, rules);
    if (values.tempC !== undefined) temperature(s, values.tempC, rules);
    if (values.padsExpiry !== undefined && values.padsExpiry !== cab.devicePadsExpiry) {
      cab.devicePadsExpiry = values.padsExpiry;
      cab.padsExpirySource = 'device';
      s.checkExpiry = true;
    }
  }

  function applyEvent(s: Step, type: DeviceEvent['event']['type']): void {
    const { cab } = s;
    switch (type) {
      case 'door_open':
        cab.door = 'open';
        opened(s, 'door_open');
        return;
      case 'door_closed':
        cab.door = 'closed';
        // Without a presence sensor (present unknown) a closed door is all there is to go on.
        if (cab.present !== false) endUse(s, 'door_closed');
        return;
      case 'aed_removed':
        cab.present = false;
        opened(s, 'aed_removed');
        return;
      case 'aed_returned':
        cab.present = true;
        endUse(s, 'aed_returned');
        return;
      case 'self_test_fail':
        selfTest(s, 'fail');
        return;
      case 'maintenance_start':
        cab.maintenanceSinceMs ??= s.nowMs;
        endUse(s, 'maintenance_start');
        return;
      case 'maintenance_end':
        cab.maintenanceSinceMs = null;
        // Servicing the cabinet includes restocking it.
        cab.restockPending = false;
        return;
      default:
        return;
    }
  }

  return {
    rules,
    track(aed, atMs) {
      return commit(begin(aed, advance(atMs), 'registry'));
    },
    untrack(aedId) {
      cabinets.delete(aedId);
    },
    onReading(reading, aed) {
      if (reading.kind !== 'aed') return [];
      const s = begin(aed, advance(reading.receivedAtMs), 'telemetry');
      heard(s, reading.deviceId);
      applyTelemetry(s, reading.values);
      return commit(s);
    },
    onEvent(event, aed) {
      if (event.kind !== 'aed') return [];
      const s = begin(aed, advance(event.receivedAtMs), event.event.type);
      heard(s, event.deviceId);
      applyEvent(s, event.event.type);
      return commit(s);
    },
    onStatus(status, aed) {
      if (status.kind !== 'aed') return [];
      const s = begin(aed, advance(status.receivedAtMs), 'status');
      if (status.online) heard(s, status.deviceId);
      if (status.bat !== undefined) battery(s, status.bat, rules);
      return commit(s);
    },
    confirmRestock(aedId, { by, atMs }) {
      const existing = cabinets.get(aedId);
      if (existing === undefined) return [];
      const s = begin(existing.aed, advance(atMs), 'restock_confirmed');
      if (s.cab.opening !== null) endUse(s, 'restock_confirmed', by);
      else if (s.cab.restockPending) {
        note(s, 'aed_opened', openedDedupKey(aedId), END_TEXT.restock_confirmed, { by });
      }
      s.cab.restockPending = false;
      return commit(s);
    },
    tick(atMs) {
      const nowMs = advance(atMs);
      const today = localDayNumber(nowMs, local);
      const out: AedOutcome[] = [];
      for (const existing of [...cabinets.values()]) {
        const s = begin(existing.aed, nowMs, 'tick');
        const { cab } = s;
        const silentMs = nowMs - cab.silenceSinceMs;
        if (silentMs >= rules.heartbeatTimeoutS * 1000 && cab.active.no_heartbeat === undefined) {
          cab.active.no_heartbeat = {
            sinceMs: nowMs,
            details: { lastMessageAtMs: cab.lastMessageAtMs, silentForS: Math.round(silentMs / 1000), afterS: rules.heartbeatTimeoutS },
          };
        }
        if (cab.maintenanceSinceMs !== null && nowMs - cab.maintenanceSinceMs >= rules.maintenanceMaxS * 1000) {
          cab.maintenanceSinceMs = null;
          s.cause = 'maintenance_timed_out';
        }
        // The daily check: once per local day, so an expiry warning is raised once, not every day.
        if (cab.expiryCheckedDay !== today) s.checkExpiry = true;
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
      return structuredClone({ version: AED_STATE_VERSION, clockMs, cabinets: Object.fromEntries(cabinets) });
    },
    restore(state) {
      if (!isRecord(state)) return { ok: false, reason: 'state is not an object' };
      if (state.version !== AED_STATE_VERSION) return { ok: false, reason: `unsupported state version ${String(state.version)}` };
      if (!isRecord(state.cabinets)) return { ok: false, reason: 'state.cabinets is not an object' };
      if (state.clockMs !== null && !isFiniteNumber(state.clockMs)) return { ok: false, reason: 'state.clockMs is not a number' };
      const next = new Map<string, CabinetState>();
      const skipped: string[] = [];
      for (const [id, raw] of Object.entries(structuredClone(state.cabinets))) {
        const cab = restoreCabinet(id, raw);
        if (cab === undefined) skipped.push(id);
        else next.set(id, cab);
      }
      cabinets = next;
      clockMs = state.clockMs;
      resumeFromMs = state.clockMs;
      return { ok: true, cabinets: next.size, skipped };
    },
  };
}
