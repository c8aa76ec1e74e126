import { DEFAULT_TIME_ZONE, distanceM } from '../safety/index.js';
import { daysUntil, localTimeFor } from './calendar.js';
import type { DispatchConfig } from './defaults.js';
import { resolveDispatchConfig } from './defaults.js';
import type { ResponderCandidate } from './types.js';

/*
 * The responder dispatch planner for one `aed_opened` incident, as pure functions over plain JSON
 * state: each call takes the state and the time, and returns the next state and what to do.
 * It keeps `responders` asks outstanding, nearest first; a decline or silence past the deadline
 * frees a slot for the next nearest, and when nobody is left within the radius the radius widens.
 */

export interface DispatchCandidate {
  id: string;
  /** Great-circle distance to the cabinet, whole metres. */
  distanceM: number;
}

export type AskAnswer = 'pending' | 'accepted' | 'declined' | 'timed_out' | 'cancelled';

export interface DispatchAsk {
  responderId: string;
  distanceM: number;
  pagedAtMs: number;
  deadlineMs: number;
  answer: AskAnswer;
  answeredAtMs: number | null;
}

/** `filled`: enough accepted; `exhausted`: nobody left to ask within the largest radius. */
export type DispatchStatus = 'paging' | 'filled' | 'exhausted' | 'stopped';

export const DISPATCH_STATE_VERSION = 1;

export interface DispatchState {
  version: typeof DISPATCH_STATE_VERSION;
  incidentId: string;
  origin: { lat: number; lon: number };
  config: DispatchConfig;
  startedAtMs: number;
  radiusM: number;
  /** Eligible responders within the largest radius, nearest first. */
  candidates: DispatchCandidate[];
  /** Everyone paged, in paging order. */
  asks: DispatchAsk[];
  /** Who is coming, in the order they accepted. */
  acceptedIds: string[];
  firstAcceptAtMs: number | null;
  status: DispatchStatus;
}

export type StopReason = 'enough_accepted' | 'no_more_responders' | 'stopped';

export type DispatchAction =
  | { type: 'page'; responderId: string; distanceM: number; radiusM: number; deadlineMs: number }
  | { type: 'timedOut'; responderId: string }
  /** Tell a responder still deciding that they are no longer needed. */
  | { type: 'cancel'; responderId: string; reason: 'enough_accepted' | 'stopped' }
  | { type: 'widen'; fromM: number; toM: number }
  | { type: 'stop'; reason: StopReason; acceptedIds: string[] };

export type IgnoredReason = 'not_asked' | 'already_answered';

export interface DispatchStep {
  state: DispatchState;
  actions: DispatchAction[];
  /** Set when the call changed nothing, and why. */
  ignored?: IgnoredReason;
}

export type ExclusionReason = 'unavailable' | 'not_certified' | 'certification_expired' | 'no_location' | 'beyond_max_radius';

export interface DispatchStart extends DispatchStep {
  /** Responders never considered for this incident, and why. */
  excluded: { id: string; reason: ExclusionReason }[];
}

export interface StartDispatchInput {
  incidentId: string;
  /** The opened cabinet. */
  origin: { lat: number; lon: number };
  responders: readonly ResponderCandidate[];
  nowMs: number;
  /** For `certifiedUntil` dates; the deployment's `timeZone`. */
  timeZone?: string;
  /** The provision file's `rules.aedOpened`, plus widenFactor and maxRadiusM. */
  config?: Partial<DispatchConfig>;
}

function exclusionOf(
  responder: ResponderCandidate,
  nowMs: number,
  timeZone: string,
): Exclude<ExclusionReason, 'beyond_max_radius'> | undefined {
  if (responder.available !== true) return 'unavailable';
  if (responder.certifiedUntil === undefined) return 'not_certified';
  const daysLeft = daysUntil(responder.certifiedUntil, nowMs, localTimeFor(timeZone));
  if (daysLeft === undefined) return 'not_certified';
  if (daysLeft < 0) return 'certification_expired';
  if (!Number.isFinite(responder.lat) || !Number.isFinite(responder.lon)) return 'no_location';
  return undefined;
}

/** Who may be paged: available, certified through today, located, within the largest radius. */
export function eligibleCandidates(
  origin: { lat: number; lon: number },
  responders: readonly ResponderCandidate[],
  nowMs: number,
  config: DispatchConfig,
  timeZone: string = DEFAULT_TIME_ZONE,
): { candidates: DispatchCandidate[]; excluded: { id: string; reason: ExclusionReason }[] } {
  const found: { id: string; exactM: number }[] = [];
  const excluded: { id: string; reason: ExclusionReason }[] = [];
  for (const responder of responders) {
    const reason = exclusionOf(responder, nowMs, timeZone);
    if (reason !== undefined) {
      excluded.push({ id: responder.id, reason });
      continue;
    }
    const exactM = distanceM(origin.lat, origin.lon, responder.lat as number, responder.lon as number);
    if (exactM > config.maxRadiusM) excluded.push({ id: responder.id, reason: 'beyond_max_radius' });
    else found.push({ id: responder.id, exactM });
  }
  found.sort((a, b) => a.exactM - b.exactM || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { candidates: found.map((c) => ({ id: c.id, distanceM: Math.round(c.exactM) })), excluded };
}

function copy(state: DispatchState): DispatchState {
  return {
    ...state,
    candidates: [...state.candidates],
    asks: state.asks.map((a) => ({ ...a })),
    acceptedIds: [...state.acceptedIds],
  };
}

function pendingAsks(state: DispatchState): DispatchAsk[] {
  return state.asks.filter((a) => a.answer === 'pending');
}

function cancelPending(state: DispatchState, nowMs: number, reason: 'enough_accepted' | 'stopped', actions: DispatchAction[]) {
  for (const ask of pendingAsks(state)) {
    ask.answer = 'cancelled';
    ask.answeredAtMs = nowMs;
    actions.push({ type: 'cancel', responderId: ask.responderId, reason });
  }
}

/** Pages until enough asks are outstanding, widening the radius when nobody is left inside it. */
function fill(state: DispatchState, nowMs: number, actions: DispatchAction[]): DispatchState {
  if (state.status === 'stopped') return state;
  const { config } = state;
  const asked = new Set(state.asks.map((a) => a.responderId));
  for (;;) {
    const accepted = state.acceptedIds.length;
    if (accepted >= config.responders) {
      cancelPending(state, nowMs, 'enough_accepted', actions);
      break;
    }
    if (accepted + pendingAsks(state).length >= config.responders) break;
    const next = state.candidates.find((c) => !asked.has(c.id));
    if (next === undefined) break;
    if (next.distanceM > state.radiusM) {
      if (state.radiusM >= config.maxRadiusM) break;
      const fromM = state.radiusM;
      let radiusM = fromM;
      // Step by step, so the new radius is one of the planned rings, not the responder's distance.
      while (radiusM < next.distanceM && radiusM < config.maxRadiusM) {
        const widened = config.widenFactor > 1 ? Math.max(radiusM + 1, Math.round(radiusM * config.widenFactor)) : config.maxRadiusM;
        radiusM = Math.min(config.maxRadiusM, widened);
      }
      state.radiusM = radiusM;
      actions.push({ type: 'widen', fromM, toM: radiusM });
      continue;
    }
    const deadlineMs = nowMs + config.acceptTimeoutS * 1000;
    state.asks.push({ responderId: next.id, distanceM: next.distanceM, pagedAtMs: nowMs, deadlineMs, answer: 'pending', answeredAtMs: null });
    asked.add(next.id);
    actions.push({ type: 'page', responderId: next.id, distanceM: next.distanceM, radiusM: state.radiusM, deadlineMs });
  }
  const before = state.status;
  const anyoneLeft = state.candidates.some((c) => !asked.has(c.id));
  state.status =
    state.acceptedIds.length >= config.responders
      ? 'filled'
      : pendingAsks(state).length > 0 || anyoneLeft
        ? 'paging'
        : 'exhausted';
  if (state.status !== before && state.status !== 'paging') {
    const reason: StopReason = state.status === 'filled' ? 'enough_accepted' : 'no_more_responders';
    actions.push({ type: 'stop', reason, acceptedIds: [...state.acceptedIds] });
  }
  return state;
}

/** Starts dispatching for an opened cabinet: pages the nearest eligible responders. */
export function startDispatch(input: StartDispatchInput): DispatchStart {
  const config = resolveDispatchConfig(input.config);
  const { candidates, excluded } = eligibleCandidates(input.origin, input.responders, input.nowMs, config, input.timeZone);
  const state: DispatchState = {
    version: DISPATCH_STATE_VERSION,
    incidentId: input.incidentId,
    origin: { lat: input.origin.lat, lon: input.origin.lon },
    config,
    startedAtMs: input.nowMs,
    radiusM: config.radiusM,
    candidates,
    asks: [],
    acceptedIds: [],
    firstAcceptAtMs: null,
    status: 'paging',
  };
  const actions: DispatchAction[] = [];
  return { state: fill(state, input.nowMs, actions), actions, excluded };
}

/**
 * A responder accepts. A late answer (after the deadline or a cancel) still counts: they are
 * on their way, and nobody is turned back from a cardiac arrest.
 */
export function acceptDispatch(current: DispatchState, responderId: string, nowMs: number): DispatchStep {
  const ask = current.asks.find((a) => a.responderId === responderId);
  if (ask === undefined) return { state: current, actions: [], ignored: 'not_asked' };
  if (ask.answer === 'accepted') return { state: current, actions: [], ignored: 'already_answered' };
  const state = copy(current);
  const own = state.asks.find((a) => a.responderId === responderId) as DispatchAsk;
  own.answer = 'accepted';
  own.answeredAtMs = nowMs;
  state.acceptedIds.push(responderId);
  state.firstAcceptAtMs ??= nowMs;
  const actions: DispatchAction[] = [];
  return { state: fill(state, nowMs, actions), actions };
}

/** A responder declines, or withdraws after accepting: the next nearest is paged. */
export function declineDispatch(current: DispatchState, responderId: string, nowMs: number): DispatchStep {
  const ask = current.asks.find((a) => a.responderId === responderId);
  if (ask === undefined) return { state: current, actions: [], ignored: 'not_asked' };
  if (ask.answer === 'declined') return { state: current, actions: [], ignored: 'already_answered' };
  const state = copy(current);
  const own = state.asks.find((a) => a.responderId === responderId) as DispatchAsk;
  // A slot is freed only by a pending ask or a withdrawn accept; a timed-out one was replaced already.
  own.answer = 'declined';
  own.answeredAtMs = nowMs;
  state.acceptedIds = state.acceptedIds.filter((id) => id !== responderId);
  const actions: DispatchAction[] = [];
  return { state: fill(state, nowMs, actions), actions };
}

/** No answer by the deadline counts as a decline. */
export function tickDispatch(current: DispatchState, nowMs: number): DispatchStep {
  if (current.status === 'stopped') return { state: current, actions: [] };
  const due = current.asks.filter((a) => a.answer === 'pending' && a.deadlineMs <= nowMs);
  if (due.length === 0) return { state: current, actions: [] };
  const state = copy(current);
  const actions: DispatchAction[] = [];
  for (const ask of state.asks) {
    if (ask.answer !== 'pending' || ask.deadlineMs > nowMs) continue;
    ask.answer = 'timed_out';
    ask.answeredAtMs = nowMs;
    actions.push({ type: 'timedOut', responderId: ask.responderId });
  }
  return { state: fill(state, nowMs, actions), actions };
}

/**
 * The responder list changed mid-incident (someone became available, moved, or went off duty):
 * new eligible responders join the queue by distance; nobody already paged is touched.
 */
export function refreshDispatch(
  current: DispatchState,
  responders: readonly ResponderCandidate[],
  nowMs: number,
  timeZone: string = DEFAULT_TIME_ZONE,
): DispatchStep {
  if (current.status === 'stopped') return { state: current, actions: [] };
  const state = copy(current);
  state.candidates = eligibleCandidates(state.origin, responders, nowMs, state.config, timeZone).candidates;
  const actions: DispatchAction[] = [];
  return { state: fill(state, nowMs, actions), actions };
}

/** The incident is over (resolved, or the AED is back): stop and release anyone still deciding. */
export function stopDispatch(current: DispatchState, nowMs: number): DispatchStep {
  if (current.status === 'stopped') return { state: current, actions: [] };
  const state = copy(current);
  const actions: DispatchAction[] = [];
  cancelPending(state, nowMs, 'stopped', actions);
  state.status = 'stopped';
  actions.push({ type: 'stop', reason: 'stopped', acceptedIds: [...state.acceptedIds] });
  return { state, actions };
}

/** The earliest answer deadline still open: when the gateway should call tickDispatch next. */
export function nextDispatchDeadlineMs(state: DispatchState): number | null {
  if (state.status === 'stopped') return null;
  const deadlines = pendingAsks(state).map((a) => a.deadlineMs);
  return deadlines.length === 0 ? null : Math.min(...deadlines);
}

export interface DispatchMetrics {
  /** Door open (dispatch start) to the first accept: the per-grid metric. */
  timeToFirstAcceptMs: number | null;
  accepted: number;
  paged: number;
  declined: number;
  timedOut: number;
  radiusM: number;
}

export function dispatchMetrics(state: DispatchState): DispatchMetrics {
  const count = (answer: AskAnswer) => state.asks.filter((a) => a.answer === answer).length;
  return {
    timeToFirstAcceptMs: state.firstAcceptAtMs === null ? null : state.firstAcceptAtMs - state.startedAtMs,
    accepted: state.acceptedIds.length,
    paged: state.asks.length,
    declined: count('declined'),
    timedOut: count('timed_out'),
    radiusM: state.radiusM,
  };
}
