import type { BraceletValues } from '../device-messages.js';

/*
 * A resident who fell or pressed SOS and then shows neither pulse nor movement is treated as a
 * cardiac arrest. The rule: within `windowS` (default 60) after the fall or SOS alert, one reading
 * of the resident's bracelet that says it is worn (`worn: true`), with `motion` 0 and no heart
 * rate (the contract's `hr` is 20–250 bpm: a bracelet that finds no pulse sends none). A bracelet
 * not worn says nothing either way (it may lie on the floor); movement or a pulse is a living wearer. Dispatch at once rather than
 * wait for a second reading: a needless run costs a volunteer's walk, a missed one a life.
 */

export interface ArrestWatch {
  alertId: string;
  resident: string;
  kind: 'fall' | 'sos';
  /** When the fall or SOS alert was raised. */
  sinceMs: number;
}

export function suspectsArrest(watch: ArrestWatch, reading: { tsMs: number; values: BraceletValues }, windowS: number): boolean {
  if (reading.tsMs < watch.sinceMs || reading.tsMs > watch.sinceMs + windowS * 1000) return false;
  const { worn, motion, hr } = reading.values;
  return worn === true && motion === 0 && hr === undefined;
}

/** Watches still open at `nowMs`; the others can be forgotten. */
export function openWatches(watches: readonly ArrestWatch[], nowMs: number, windowS: number): ArrestWatch[] {
  return watches.filter((w) => nowMs <= w.sinceMs + windowS * 1000);
}
