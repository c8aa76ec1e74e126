import type { SafetyRuleOverrides, VitalsRules } from './defaults.js';
import type { Severity } from './severity.js';

/** The alert kinds the resident-safety rules produce. */
export const SAFETY_KINDS = [
  'fall',
  'sos',
  'vitals',
  'no_motion',
  'stayed_in',
  'wandering',
  'device_offline',
  'battery_low',
  'not_worn',
] as const;
export type SafetyKind = (typeof SAFETY_KINDS)[number];

/** A circle on the ground: a home geofence or a safe zone. */
export interface GeoCircle {
  lat: number;
  lon: number;
  radiusM: number;
}

/**
 * Per-resident overrides. Flat vitals keys (`hrMin`, `hrMax`, ...) are the provision file's form;
 * any rule can also be overridden by name (`noMotion: {afterS: 7200}`). Flat keys win over the
 * nested `vitals` block.
 */
export type ResidentThresholds = Partial<VitalsRules> & SafetyRuleOverrides;

/** What the rules need to know about a resident; plain data, kept in the rule state. */
export interface SafetyResident {
  id: string;
  grid: string;
  home?: GeoCircle;
  /** Only used with the dementia condition. */
  safeZone?: GeoCircle;
  conditions?: readonly string[];
  thresholds?: ResidentThresholds;
}

export type DetailValue = string | number | boolean | null | readonly string[];
export type OutcomeDetails = Readonly<Record<string, DetailValue>>;

interface OutcomeBase {
  kind: SafetyKind;
  /** The resident id. */
  subject: string;
  grid: string;
  /** The evaluation instant that produced this outcome (gateway clock). */
  occurredAtMs: number;
}

/** Open an alert, or add an occurrence to the open one for (subject, kind). */
export interface RaiseOutcome extends OutcomeBase {
  type: 'raise';
  severity: Severity;
  details: OutcomeDetails;
}

/** The condition is over: the alert service resolves the alert where the kind allows it. */
export interface ClearOutcome extends OutcomeBase {
  type: 'clear';
  details: OutcomeDetails;
}

/** A condition is true but waits for a window (a fall's cancel window) before it raises. */
export interface PendingOutcome extends OutcomeBase {
  type: 'pending';
  severity: Severity;
  untilMs: number;
  details: OutcomeDetails;
}

/** A pending condition was called off by the wearer inside its window. */
export interface FalseAlarmOutcome extends OutcomeBase {
  type: 'falseAlarm';
  details: OutcomeDetails;
}

/** Something worth a line on the open alert's timeline, without changing its state. */
export interface NoteOutcome extends OutcomeBase {
  type: 'note';
  text: string;
  details: OutcomeDetails;
}

export type RuleOutcome = RaiseOutcome | ClearOutcome | PendingOutcome | FalseAlarmOutcome | NoteOutcome;
