import type { Community } from './community.js';

export const SCENARIO_NAMES = [
  'fall-cancelled',
  'fall-not-cancelled',
  'stayed-in-13h',
  'wandering',
  'aed-opened-near-fall',
  'smog-afternoon',
  'cardiac-arrest-rescue',
  // scenarios-bracelet.ts, scenarios-aed.ts, scenarios-drill.ts
  'vitals-unwell',
  'sos-pressed',
  'bracelet-offline',
  'battery-low',
  'not-worn',
  'aed-self-test-failed',
  'drill-fall',
] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export function isScenarioName(value: string): value is ScenarioName {
  return (SCENARIO_NAMES as readonly string[]).includes(value);
}

export interface ScenarioStep {
  /** Simulated ms after the scenario starts. */
  atMs: number;
  /** What happens, in words, for the progress line. */
  say: string;
  /** Makes it happen through the community's devices; may return details for the line. */
  act?: (community: Community, nowMs: number) => string | void;
}

/** An alert the scenario is meant to produce (CONTRACT.md §3 alert kinds). */
export interface ExpectedAlert {
  kind: string;
  subject: string;
  severity: 'critical' | 'high' | 'medium' | 'low';
}

/** A scripted incident: which devices it drives, what happens when, and what the gateway should make of it. */
export interface Scenario {
  name: ScenarioName;
  summary: string;
  deviceIds: string[];
  /** Whom its alerts are about (residents, AEDs, stations): any other alert about them is unexpected. */
  subjects: string[];
  /** Local time of day it is meant to begin (`HH:MM`), when that matters. */
  startsAt?: string;
  durationMs: number;
  /** The alerts it should raise, and no others. */
  expectedAlerts: ExpectedAlert[];
  steps: ScenarioStep[];
}

/** Who plays which part; chosen from the provision file unless given. */
export interface ScenarioCast {
  bracelet?: string;
  aedCabinet?: string;
  airStation?: string;
}
