import { handOverAed, silentAedRunners, type HandoverReason } from './aed-handover.js';
import { planRun, type AedOption, type RunPlan } from './aed-runs.js';
import type { DispatchConfig } from './defaults.js';
import {
  acceptDispatch,
  declineDispatch,
  startDispatch,
  stopDispatch,
  tickDispatch,
  type DispatchAction,
  type DispatchState,
  type DispatchStep,
  type ExclusionReason,
} from './dispatch.js';
import type { ResponderCandidate } from './types.js';

/*
 * Responders for an emergency reported from outside (the 120 centre) or raised by the gateway:
 * the asking itself (nearest first, radius widening, 60 s to answer) is dispatch.ts; this adds
 * each responder's own run: which AED they fetch, or straight to the patient, one responder per
 * AED, and the run's progress (accepted, AED collected, on scene). Pure: plain JSON state in,
 * next state and actions out, time as an argument.
 */

/** CONTRACT.md §6; `released`: no longer needed (enough others accepted, or the emergency ended). */
export const RUN_STATES = ['asked', 'accepted', 'declined', 'timed_out', 'aed_collected', 'on_scene', 'released'] as const;
export type RunState = (typeof RUN_STATES)[number];

export interface ResponderRun extends RunPlan {
  responderId: string;
  state: RunState;
  askedAtMs: number;
  deadlineMs: number;
  acceptedAtMs: number | null;
  aedCollectedAtMs: number | null;
  onSceneAtMs: number | null;
  /** When they declined, fell silent, or were released. */
  endedAtMs: number | null;
  /** The cabinet was told to open for them; never twice for one run. */
  unlockIssued: boolean;
  /** On an AED run: their last position report (absent in runs stored before it was kept). */
  lastSeenAtMs?: number | null;
}

export const EMERGENCY_DISPATCH_VERSION = 1;

export interface EmergencyDispatchState {
  version: typeof EMERGENCY_DISPATCH_VERSION;
  patient: { lat: number; lon: number };
  asking: DispatchState;
  /** One per responder asked, in paging order. */
  runs: ResponderRun[];
  /** Set once nobody was left to ask within the widest radius while nobody had accepted. */
  noRespondersAtMs: number | null;
}

export type EmergencyAction =
  | { type: 'paged'; run: ResponderRun }
  | { type: 'unlock'; responderId: string; aedId: string }
  | { type: 'timedOut'; responderId: string }
  | { type: 'released'; responderId: string; reason: 'enough_accepted' | 'stopped' }
  | { type: 'widened'; fromM: number; toM: number }
  /** Nobody (more) to ask within the widest radius and nobody coming: the centre must know now. */
  | { type: 'noResponders'; asked: number }
  | { type: 'filled'; acceptedIds: string[] }
  /** A runner dropped their AED run: it goes to `toResponderId` (their new run), or to nobody yet (null). */
  | { type: 'aedReassigned'; fromResponderId: string; toResponderId: string | null; aedId: string; reason: HandoverReason; run?: ResponderRun };

export type RunAnswer = 'accept' | 'decline' | 'aed_collected' | 'on_scene';

export type RunIgnored = 'not_asked' | 'already_answered' | 'not_applicable' | 'closed';

export interface EmergencyStep {
  state: EmergencyDispatchState;
  actions: EmergencyAction[];
  ignored?: RunIgnored;
}

/** What the planner needs to know of the world at the moment it plans a run. */
export interface PlanningView {
  /** Usable AEDs near the patient (usableAedsNear). */
  aeds: readonly AedOption[];
  /** Where each responder is (the registry's last known location). */
  positions: Readonly<Record<string, { lat: number; lon: number } | undefined>>;
  /** AEDs other emergencies' responders are fetching. */
  claimedElsewhere: ReadonlySet<string>;
}

export interface StartEmergencyInput {
  emergencyId: string;
  patient: { lat: number; lon: number };
  responders: readonly ResponderCandidate[];
  view: PlanningView;
  nowMs: number;
  timeZone?: string;
  config?: Partial<DispatchConfig>;
}

const ACTIVE: ReadonlySet<RunState> = new Set<RunState>(['asked', 'accepted', 'aed_collected']);

/** AEDs a responder of this emergency is on the way to fetch (asked or accepted, not yet collected). */
export function claimedAeds(state: EmergencyDispatchState): string[] {
  return state.runs.filter((r) => r.aedId !== null && ACTIVE.has(r.state) && r.state !== 'aed_collected').map((r) => r.aedId as string);
}

function copy(state: EmergencyDispatchState): EmergencyDispatchState {
  return { ...state, runs: state.runs.map((r) => ({ ...r })) };
}

function runOf(state: EmergencyDispatchState, responderId: string): ResponderRun | undefined {
  return state.runs.find((r) => r.responderId === responderId);
}

/** Folds the asking planner's actions into runs; pages get their plan here, in paging order. */
function absorb(state: EmergencyDispatchState, step: DispatchStep, view: PlanningView | null, nowMs: number): EmergencyStep {
  state.asking = step.state;
  const actions: EmergencyAction[] = [];
  for (const action of step.actions) absorbOne(state, action, view, nowMs, actions);
  return { state, actions };
}

function absorbOne(state: EmergencyDispatchState, action: DispatchAction, view: PlanningView | null, nowMs: number, out: EmergencyAction[]): void {
  switch (action.type) {
    case 'page': {
      const claimed = new Set([...(view?.claimedElsewhere ?? []), ...claimedAeds(state)]);
      const from = view?.positions[action.responderId];
      const plan: RunPlan =
        from === undefined || view === null
          ? { route: 'direct', aedId: null, toAedM: null, routeM: action.distanceM, directM: action.distanceM }
          : planRun(from, state.patient, view.aeds, claimed);
      const run: ResponderRun = {
        ...plan,
        responderId: action.responderId,
        state: 'asked',
        askedAtMs: nowMs,
        deadlineMs: action.deadlineMs,
        acceptedAtMs: null,
        aedCollectedAtMs: null,
        onSceneAtMs: null,
        endedAtMs: null,
        unlockIssued: false,
      };
      state.runs.push(run);
      out.push({ type: 'paged', run: { ...run } });
      return;
    }
    case 'timedOut': {
      const run = runOf(state, action.responderId);
      if (run !== undefined && run.state === 'asked') Object.assign(run, { state: 'timed_out', endedAtMs: nowMs });
      out.push({ type: 'timedOut', responderId: action.responderId });
      return;
    }
    case 'cancel': {
      const run = runOf(state, action.responderId);
      if (run !== undefined && run.state === 'asked') Object.assign(run, { state: 'released', endedAtMs: nowMs });
      out.push({ type: 'released', responderId: action.responderId, reason: action.reason });
      return;
    }
    case 'widen':
      out.push({ type: 'widened', fromM: action.fromM, toM: action.toM });
      return;
    case 'stop':
      if (action.reason === 'enough_accepted') out.push({ type: 'filled', acceptedIds: action.acceptedIds });
      else if (action.reason === 'no_more_responders' && action.acceptedIds.length === 0 && state.noRespondersAtMs === null) {
        state.noRespondersAtMs = nowMs;
        out.push({ type: 'noResponders', asked: state.runs.length });
      }
      return;
  }
}

/** Pages the nearest available certified responders at once, each with their own run. */
export function startEmergencyDispatch(input: StartEmergencyInput): EmergencyStep & { excluded: { id: string; reason: ExclusionReason }[] } {
  const start = startDispatch({
    incidentId: input.emergencyId,
    origin: input.patient,
    responders: input.responders,
    nowMs: input.nowMs,
    ...(input.timeZone === undefined ? {} : { timeZone: input.timeZone }),
    ...(input.config === undefined ? {} : { config: input.config }),
  });
  const state: EmergencyDispatchState = {
    version: EMERGENCY_DISPATCH_VERSION,
    patient: { lat: input.patient.lat, lon: input.patient.lon },
    asking: start.state,
    runs: [],
    noRespondersAtMs: null,
  };
  return { ...absorb(state, start, input.view, input.nowMs), excluded: start.excluded };
}

/**
 * A responder's answer or progress. Accepting an AED run unlocks its cabinet (once); a late
 * accept still counts (nobody is turned back from a cardiac arrest), but when their AED went to
 * someone else meanwhile they go straight to the patient.
 */
export function answerRun(current: EmergencyDispatchState, responderId: string, answer: RunAnswer, view: PlanningView | null, nowMs: number): EmergencyStep {
  const found = runOf(current, responderId);
  if (found === undefined) return { state: current, actions: [], ignored: 'not_asked' };
  if (current.asking.status === 'stopped' && answer !== 'on_scene') return { state: current, actions: [], ignored: 'closed' };
  const state = copy(current);
  const run = runOf(state, responderId) as ResponderRun;
  switch (answer) {
    case 'accept': {
      if (run.state === 'accepted' || run.state === 'aed_collected' || run.state === 'on_scene') return { state: current, actions: [], ignored: 'already_answered' };
      const lateAedTaken = run.aedId !== null && run.state !== 'asked' && isClaimedByOther(state, run, view);
      if (lateAedTaken) Object.assign(run, { route: 'direct', aedId: null, toAedM: null, routeM: run.directM });
      Object.assign(run, { state: 'accepted', acceptedAtMs: nowMs, endedAtMs: null });
      const step = absorb(state, acceptDispatch(state.asking, responderId, nowMs), view, nowMs);
      if (run.aedId !== null && !run.unlockIssued) {
        run.unlockIssued = true;
        step.actions.unshift({ type: 'unlock', responderId, aedId: run.aedId });
      }
      return step;
    }
    case 'decline': {
      if (run.state === 'declined') return { state: current, actions: [], ignored: 'already_answered' };
      const wasFetching = run.state === 'accepted' && run.aedId !== null;
      Object.assign(run, { state: 'declined', endedAtMs: nowMs });
      // The AED finds its next runner before anyone new is asked, so they are not sent for it too.
      const handover = wasFetching ? handOverAed(state, run, 'declined', view, nowMs) : [];
      const step = absorb(state, declineDispatch(state.asking, responderId, nowMs), view, nowMs);
      return { state: step.state, actions: [...handover, ...step.actions] };
    }
    case 'aed_collected': {
      if (run.route !== 'via_aed' || run.state !== 'accepted') return { state: current, actions: [], ignored: run.state === 'aed_collected' ? 'already_answered' : 'not_applicable' };
      Object.assign(run, { state: 'aed_collected', aedCollectedAtMs: nowMs });
      return { state, actions: [] };
    }
    case 'on_scene': {
      if (run.state === 'on_scene') return { state: current, actions: [], ignored: 'already_answered' };
      if (run.state !== 'accepted' && run.state !== 'aed_collected') return { state: current, actions: [], ignored: 'not_applicable' };
      Object.assign(run, { state: 'on_scene', onSceneAtMs: nowMs });
      return { state, actions: [] };
    }
  }
}

function isClaimedByOther(state: EmergencyDispatchState, run: ResponderRun, view: PlanningView | null): boolean {
  if (view?.claimedElsewhere.has(run.aedId as string) === true) return true;
  return state.runs.some((r) => r !== run && r.aedId === run.aedId && ACTIVE.has(r.state));
}

/** Answer deadlines that passed: the next responder is asked. */
export function tickEmergencyDispatch(current: EmergencyDispatchState, view: PlanningView | null, nowMs: number): EmergencyStep {
  const step = tickDispatch(current.asking, nowMs);
  if (step.actions.length === 0) return { state: current, actions: [] };
  return absorb(copy(current), step, view, nowMs);
}

/**
 * AED runners silent for `silentAfterMs` since they accepted or last reported where they are:
 * they count as gone (`timed_out`), their AED goes to someone else, and the next responder is asked.
 */
export function dropSilentAedRunners(current: EmergencyDispatchState, view: PlanningView | null, nowMs: number, silentAfterMs: number): EmergencyStep {
  const silent = current.asking.status === 'stopped' ? [] : silentAedRunners(current, nowMs, silentAfterMs);
  if (silent.length === 0) return { state: current, actions: [] };
  let state = copy(current);
  const actions: EmergencyAction[] = [];
  for (const { responderId } of silent) {
    const run = runOf(state, responderId) as ResponderRun;
    Object.assign(run, { state: 'timed_out', endedAtMs: nowMs });
    actions.push(...handOverAed(state, run, 'silent', view, nowMs));
    const step = absorb(state, declineDispatch(state.asking, responderId, nowMs), view, nowMs);
    state = step.state;
    actions.push(...step.actions);
  }
  return { state, actions };
}

/** A responder reported where they are: a sign of life on their AED run. */
export function noteSignOfLife(current: EmergencyDispatchState, responderId: string, nowMs: number): EmergencyDispatchState | null {
  const run = runOf(current, responderId);
  if (run === undefined || run.state !== 'accepted' || run.aedId === null) return null;
  const state = copy(current);
  (runOf(state, responderId) as ResponderRun).lastSeenAtMs = nowMs;
  return state;
}

/** The emergency is over: everyone still deciding is released. */
export function stopEmergencyDispatch(current: EmergencyDispatchState, nowMs: number): EmergencyStep {
  const step = stopDispatch(current.asking, nowMs);
  if (step.actions.length === 0) return { state: current, actions: [] };
  return absorb(copy(current), step, null, nowMs);
}

/** When tickEmergencyDispatch should next be called; null when nothing waits. */
export function nextEmergencyDeadlineMs(state: EmergencyDispatchState): number | null {
  if (state.asking.status === 'stopped') return null;
  const pending = state.runs.filter((r) => r.state === 'asked').map((r) => r.deadlineMs);
  return pending.length === 0 ? null : Math.min(...pending);
}

/** Outcome figures of one dispatch (the programme's reviews). */
export interface RunOutcome {
  firstAcceptAtMs: number | null;
  /** The first AED brought to the patient: its runner on scene after collecting it. */
  aedOnSceneAtMs: number | null;
  aedUsed: string | null;
  attended: string[];
}

export function runOutcome(state: EmergencyDispatchState): RunOutcome {
  const accepts = state.runs.map((r) => r.acceptedAtMs).filter((t): t is number => t !== null);
  const aedRuns = state.runs.filter((r) => r.aedId !== null && r.onSceneAtMs !== null && r.aedCollectedAtMs !== null).sort((a, b) => (a.onSceneAtMs as number) - (b.onSceneAtMs as number));
  return {
    firstAcceptAtMs: accepts.length === 0 ? null : Math.min(...accepts),
    aedOnSceneAtMs: aedRuns[0]?.onSceneAtMs ?? null,
    aedUsed: aedRuns[0]?.aedId ?? null,
    attended: state.runs.filter((r) => r.onSceneAtMs !== null).map((r) => r.responderId),
  };
}
