import { distanceM } from '../safety/index.js';
import type { EmergencyAction, EmergencyDispatchState, PlanningView, ResponderRun } from './emergency-dispatch.js';

/** Why a runner no longer fetches their AED: they said so, or they went silent past the deadline. */
export type HandoverReason = 'declined' | 'silent';

/**
 * A runner who had accepted to fetch an AED drops out: the AED goes to the responder already
 * coming straight to the patient whose route through it is shortest (their run becomes an AED
 * run, and the cabinet is unlocked for them, once). With nobody coming straight, or the AED no
 * longer usable, it is left free: the next responder asked may be sent for it. Changes `state`
 * (a copy the caller owns) and returns what to do.
 */
export function handOverAed(state: EmergencyDispatchState, dropped: ResponderRun, reason: HandoverReason, view: PlanningView | null, nowMs: number): EmergencyAction[] {
  const aedId = dropped.aedId;
  if (aedId === null) return [];
  const option = view?.aeds.find((a) => a.id === aedId);
  const nobody: EmergencyAction = { type: 'aedReassigned', fromResponderId: dropped.responderId, toResponderId: null, aedId, reason };
  if (view === null || option === undefined || view.claimedElsewhere.has(aedId)) return [nobody];
  let best: { run: ResponderRun; toAedM: number; routeM: number } | undefined;
  for (const run of state.runs) {
    if (run.state !== 'accepted' || run.aedId !== null) continue;
    const from = view.positions[run.responderId];
    if (from === undefined) continue;
    const toAedM = Math.round(distanceM(from.lat, from.lon, option.lat, option.lon));
    const routeM = toAedM + option.toPatientM;
    if (best === undefined || routeM < best.routeM) best = { run, toAedM, routeM };
  }
  if (best === undefined) return [nobody];
  Object.assign(best.run, { route: 'via_aed', aedId, toAedM: best.toAedM, routeM: best.routeM, unlockIssued: true, lastSeenAtMs: nowMs });
  return [
    { type: 'aedReassigned', fromResponderId: dropped.responderId, toResponderId: best.run.responderId, aedId, reason, run: { ...best.run } },
    { type: 'unlock', responderId: best.run.responderId, aedId },
  ];
}

/** A slow walk: a runner who reports no position is given the time to walk to their AED at this speed. */
const SLOW_WALK_MPS = 1;

/**
 * AED runners (accepted, AED not yet collected) who gave no sign of life in time: `silentAfterMs`
 * after their last position report; one who never reported a position (a page link, no app) has
 * the time to walk to the AED slowly on top, counted from their acceptance.
 */
export function silentAedRunners(state: EmergencyDispatchState, nowMs: number, silentAfterMs: number): ResponderRun[] {
  if (silentAfterMs <= 0) return [];
  return state.runs.filter((r) => {
    if (r.state !== 'accepted' || r.aedId === null || r.acceptedAtMs === null) return false;
    const last = r.lastSeenAtMs ?? null;
    const deadlineMs = last !== null && last >= r.acceptedAtMs ? last + silentAfterMs : r.acceptedAtMs + silentAfterMs + ((r.toAedM ?? 0) / SLOW_WALK_MPS) * 1000;
    return nowMs >= deadlineMs;
  });
}
