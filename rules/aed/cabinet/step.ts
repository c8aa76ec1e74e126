import type { OutcomeDetails, Severity } from '../../safety/index.js';
import type { AedKind, AedOutcome, AedSite } from '../types.js';
import type { CabinetState } from './state.js';
import { draftOf, freshCabinet } from './state.js';

/** The working copy of one cabinet during one step, and what the step produced. */
export interface Step {
  cab: CabinetState;
  nowMs: number;
  out: AedOutcome[];
  /** What caused this step, for the state change it may bring. */
  cause: string;
  checkExpiry: boolean;
  severity: Severity;
}

/**
 * A step on one cabinet, created or refreshed from the registry entry: a new pads or battery date
 * from the registry is checked at once.
 */
export function beginStep(existing: CabinetState | undefined, aed: AedSite, nowMs: number, cause: string, severity: Severity): Step {
  if (existing === undefined) {
    return { cab: freshCabinet(aed, nowMs), nowMs, out: [], cause, checkExpiry: true, severity };
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
  return { cab, nowMs, out: [], cause, checkExpiry, severity };
}

export function base(s: Step) {
  return { subject: s.cab.aed.id, grid: s.cab.aed.grid ?? null, occurredAtMs: s.nowMs };
}

export function note(s: Step, kind: AedKind, dedupKey: string, text: string, details: OutcomeDetails): void {
  s.out.push({ type: 'note', kind, dedupKey, ...base(s), text, details });
}
