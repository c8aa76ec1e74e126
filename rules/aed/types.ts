import type { OutcomeDetails, Severity } from '../safety/index.js';

/** `"24/7"`, or weekday keys (`mon`, `mon-fri`, `sat-sun`) to `"HH:MM-HH:MM"` local times. */
export type AccessHoursSpec = '24/7' | Readonly<Record<string, string>>;

/**
 * What the AED rules need to know about a cabinet (the registry's `aeds` entry). Dates are
 * `YYYY-MM-DD` in the deployment's time zone.
 */
export interface AedSite {
  id: string;
  lat: number;
  lon: number;
  grid?: string;
  floor?: string;
  description?: string;
  /** Missing means always accessible (an outdoor cabinet). */
  accessHours?: AccessHoursSpec;
  /** The worker who restocks and maintains the cabinet. */
  guardian?: string;
  serial?: string;
  padsExpiry?: string;
  batteryExpiry?: string;
}

/** A trained volunteer (the registry's `responders` entry), with their last known location. */
export interface ResponderCandidate {
  id: string;
  /** `YYYY-MM-DD`, valid through that local day; missing means not certified. */
  certifiedUntil?: string;
  available: boolean;
  lat?: number;
  lon?: number;
}

export const CABINET_STATUSES = ['ready', 'in_use', 'fault', 'maintenance', 'offline'] as const;
export type CabinetStatus = (typeof CABINET_STATUSES)[number];

/** The alert kinds the AED rules produce (CONTRACT.md §3). */
export const AED_KINDS = ['aed_opened', 'aed_fault'] as const;
export type AedKind = (typeof AED_KINDS)[number];

/**
 * Each fault is its own alert: a flat battery and expiring pads are two problems with two fixes.
 * `blocking` faults make the cabinet unusable (state `fault`); expiry warnings do not, since the
 * AED still works until the date itself (that is checked where an AED is chosen).
 */
export const FAULT_KEYS = [
  'self_test_failed',
  'battery_low',
  'temperature_out_of_range',
  'pads_expiring',
  'battery_expiring',
  'no_heartbeat',
] as const;
export type FaultKey = (typeof FAULT_KEYS)[number];

export const BLOCKING_FAULTS: ReadonlySet<FaultKey> = new Set<FaultKey>([
  'self_test_failed',
  'battery_low',
  'temperature_out_of_range',
]);

interface AedOutcomeBase {
  /** The AED id. */
  subject: string;
  grid: string | null;
  /** The evaluation instant that produced this outcome (gateway clock). */
  occurredAtMs: number;
}

/**
 * The identity an alert is deduplicated on: `aed_opened:{aed}` and `aed_fault:{aed}:{faultKey}`.
 * rules/safety's `alertKey(subject, kind)` would fold every fault of one cabinet into one alert.
 */
export type DedupKey = string;

/** Open an alert (or add an occurrence to the open one with the same dedup key). */
export interface AedRaiseOutcome extends AedOutcomeBase {
  type: 'raise';
  kind: AedKind;
  dedupKey: DedupKey;
  severity: Severity;
  details: OutcomeDetails;
}

/** The condition is over; `aed_opened` is closed by a person, so it only ever gets notes. */
export interface AedClearOutcome extends AedOutcomeBase {
  type: 'clear';
  kind: AedKind;
  dedupKey: DedupKey;
  details: OutcomeDetails;
}

/** A line on the open alert's timeline. */
export interface AedNoteOutcome extends AedOutcomeBase {
  type: 'note';
  kind: AedKind;
  dedupKey: DedupKey;
  text: string;
  details: OutcomeDetails;
}

/** After a use: page the guardian to restock the pads and check the AED (not an alert). */
export interface RestockRequestedOutcome extends AedOutcomeBase {
  type: 'restockRequested';
  kind: 'aed_opened';
  /** The aed_opened alert this follows. */
  dedupKey: DedupKey;
  guardian: string | null;
  details: OutcomeDetails;
}

/** The cabinet's state changed: for the registry's `state` field and the readiness metric. */
export interface CabinetStateChangedOutcome extends AedOutcomeBase {
  type: 'stateChanged';
  from: CabinetStatus;
  to: CabinetStatus;
  reason: string;
}

export type AedOutcome =
  | AedRaiseOutcome
  | AedClearOutcome
  | AedNoteOutcome
  | RestockRequestedOutcome
  | CabinetStateChangedOutcome;

export function openedDedupKey(aedId: string): DedupKey {
  return `aed_opened:${aedId}`;
}

export function faultDedupKey(aedId: string, fault: FaultKey): DedupKey {
  return `aed_fault:${aedId}:${fault}`;
}
