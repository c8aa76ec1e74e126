import type { OutcomeDetails } from '../../safety/index.js';
import { isFiniteNumber, isRecord, sameShape } from '../../safety/index.js';
import type { AedSite, CabinetStatus, FaultKey } from '../types.js';
import { CABINET_STATUSES, FAULT_KEYS } from '../types.js';

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

/** The pads date in force: the source that changed last, else whichever is known. */
export function padsExpiryInForce(cab: CabinetState): string | null {
  const registry = cab.aed.padsExpiry ?? null;
  return cab.padsExpirySource === 'device' ? (cab.devicePadsExpiry ?? registry) : (registry ?? cab.devicePadsExpiry);
}

export function freshCabinet(aed: AedSite, nowMs: number): CabinetState {
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

/** A working copy a step may change without touching the stored state. */
export function draftOf(cab: CabinetState): CabinetState {
  return {
    ...cab,
    opening: cab.opening === null ? null : { ...cab.opening },
    active: { ...cab.active },
    raised: { ...cab.raised },
  };
}

export function restoreCabinet(id: string, raw: unknown): CabinetState | undefined {
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
