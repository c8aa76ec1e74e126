import type { Severity } from './severity.js';

export interface FallRules {
  /** Device-reported confidence at or above which a fall counts. */
  minConfidence: number;
  /** How long the wearer has to press "I'm OK" before the alert is raised. */
  cancelWindowS: number;
  /** A cancel this long after a raised fall is noted on the alert (it never closes it). */
  lateCancelNoteS: number;
}

export interface SosRules {
  /** A cancel this long after an SOS is noted on the alert; an SOS is not cancellable. */
  lateCancelNoteS: number;
}

export interface VitalsRules {
  hrMin: number;
  hrMax: number;
  sbpMax: number;
  dbpMax: number;
  spo2Min: number;
  /** Heart rate and SpO2 must stay out of range this long (duration condition). */
  forS: number;
  /** Blood pressure must be high on this many consecutive readings (repeating condition). */
  bpRepeats: number;
  /** ... each within this long of the previous one. */
  bpRepeatWithinS: number;
  /** Back inside the clear band this long before a heart-rate or SpO2 condition clears. */
  clearForS: number;
  /** Clear band: hr must be at least this far inside [hrMin, hrMax]. */
  hrClearMarginBpm: number;
  /** Clear band: sbp and dbp must be at least this far below their limits. */
  bpClearMarginMmHg: number;
  /** Clear band: spo2 must be at least this far above spo2Min. */
  spo2ClearMarginPct: number;
  /** Two samples further apart than this do not form one run: unknown data in between. */
  maxGapS: number;
}

export interface NoMotionRules {
  afterS: number;
  /** Local time of day, "HH:MM-HH:MM", in the deployment's time zone. Stillness outside it is sleep. */
  wakingHours: string;
  /** `motion` (share of the interval with movement) at or above this counts as moving. */
  minMotion: number;
  /** Time more than this after the last message is not counted: silence is not stillness. */
  maxGapS: number;
}

export interface StayedInRules {
  afterS: number;
  maxGapS: number;
}

export interface WanderingRules {
  /** Back when this far inside the safe zone, so walking along its edge does not flap. */
  returnMarginM: number;
  /** Fixes less accurate than this are ignored. */
  maxAccM: number;
}

export interface DeviceOfflineRules {
  afterS: number;
}

export interface BatteryLowRules {
  belowPct: number;
  /** Clears at or above this, so a battery hovering at the threshold does not flap. */
  clearAtPct: number;
}

export interface NotWornRules {
  /** Off the wrist this long within waking hours (the no_motion rule's wakingHours). */
  afterS: number;
  severity: Severity;
  maxGapS: number;
}

export interface SafetyRules {
  fall: FallRules;
  sos: SosRules;
  vitals: VitalsRules;
  noMotion: NoMotionRules;
  stayedIn: StayedInRules;
  wandering: WanderingRules;
  deviceOffline: DeviceOfflineRules;
  batteryLow: BatteryLowRules;
  notWorn: NotWornRules;
}

export type SafetyRuleOverrides = { [K in keyof SafetyRules]?: Partial<SafetyRules[K]> };

/** Defaults from DESIGN.md's table and CONTRACT.md's `rules:` block; the rest are our choices. */
export const DEFAULT_SAFETY_RULES: SafetyRules = {
  fall: { minConfidence: 0.6, cancelWindowS: 30, lateCancelNoteS: 600 },
  sos: { lateCancelNoteS: 600 },
  vitals: {
    // NEWS2 (Royal College of Physicians, 2017): pulse <= 40 or >= 131 scores 3, the top band.
    hrMin: 40,
    hrMax: 130,
    // 2018 ESC/ESH hypertension guidelines: grade 3 is SBP >= 180 and/or DBP >= 110 mmHg.
    sbpMax: 180,
    dbpMax: 110,
    // BTS oxygen guideline (O'Driscoll et al., Thorax 2017): below 90 % is significant hypoxaemia.
    spo2Min: 90,
    forS: 120,
    // The ESH guidelines base a reading on repeated measurements, not a single one.
    bpRepeats: 2,
    bpRepeatWithinS: 3600,
    clearForS: 300,
    hrClearMarginBpm: 5,
    bpClearMarginMmHg: 10,
    spo2ClearMarginPct: 2,
    maxGapS: 600,
  },
  noMotion: { afterS: 4 * 3600, wakingHours: '07:00-22:00', minMotion: 0.05, maxGapS: 1800 },
  stayedIn: { afterS: 12 * 3600, maxGapS: 1800 },
  wandering: { returnMarginM: 50, maxAccM: 200 },
  deviceOffline: { afterS: 1800 },
  batteryLow: { belowPct: 15, clearAtPct: 20 },
  // A bracelet takes one to two hours to charge: a shorter window would page on every charge.
  notWorn: { afterS: 2 * 3600, severity: 'low', maxGapS: 1800 },
};
