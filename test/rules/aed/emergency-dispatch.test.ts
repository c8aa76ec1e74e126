import { describe, expect, it } from 'vitest';
import {
  answerRun,
  claimedAeds,
  nextEmergencyDeadlineMs,
  runOutcome,
  startEmergencyDispatch,
  stopEmergencyDispatch,
  tickEmergencyDispatch,
  usableAedsNear,
  type EmergencyAction,
  type PlanningView,
  type ResponderCandidate,
} from '../../../rules/aed/index.js';
import { CABINET, makeAed, north, SECOND_MS } from './fixtures.js';

const NOW = Date.parse('2026-11-23T02:00:00Z'); // 10:00 in Shanghai
const TZ = 'Asia/Shanghai';
const patient = north(CABINET, 300);

function responder(id: string, at: { lat: number; lon: number }): ResponderCandidate {
  return { id, available: true, certifiedUntil: '2027-09-30', ...at };
}

function viewOf(responders: ResponderCandidate[], aeds = [makeAed({ id: 'a1', ...CABINET })], states = {}): PlanningView {
  return {
    aeds: usableAedsNear({ aeds, states, patient, withinM: 1000, nowMs: NOW, timeZone: TZ }),
    positions: Object.fromEntries(responders.map((r) => [r.id, { lat: r.lat!, lon: r.lon! }])),
    claimedElsewhere: new Set(),
  };
}

const paged = (actions: EmergencyAction[]) => actions.filter((a) => a.type === 'paged').map((a) => (a.type === 'paged' ? a.run : undefined)!);

describe('an emergency dispatch', () => {
  it('sends the first responder via the usable AED, passing over a faulted one nearer to them', () => {
    const faulted = makeAed({ id: 'a-faulted', ...north(CABINET, 250) });
    const usable = makeAed({ id: 'a-usable', ...north(CABINET, 600) });
    const v1 = responder('v1', north(CABINET, 200));
    const view = viewOf([v1], [faulted, usable], { 'a-faulted': { status: 'fault' } });
    expect(view.aeds.map((a) => a.id)).toEqual(['a-usable']);
    const start = startEmergencyDispatch({ emergencyId: 'e1', patient, responders: [v1], view, nowMs: NOW, timeZone: TZ });
    const [run] = paged(start.actions);
    expect(run).toMatchObject({ responderId: 'v1', state: 'asked', route: 'via_aed', aedId: 'a-usable', toAedM: 400, routeM: 700, directM: 100 });

    const accepted = answerRun(start.state, 'v1', 'accept', view, NOW + 10 * SECOND_MS);
    expect(accepted.actions.filter((a) => a.type === 'unlock')).toEqual([{ type: 'unlock', responderId: 'v1', aedId: 'a-usable' }]);
    const again = answerRun(accepted.state, 'v1', 'accept', view, NOW + 11 * SECOND_MS);
    expect(again.ignored).toBe('already_answered');
    expect(again.actions).toEqual([]);
  });

  it('sends one responder for the AED and the other near it straight to the patient', () => {
    const v1 = responder('v1', north(CABINET, 20));
    const v2 = responder('v2', north(CABINET, 30));
    const view = viewOf([v1, v2]);
    const start = startEmergencyDispatch({ emergencyId: 'e1', patient, responders: [v1, v2], view, nowMs: NOW, timeZone: TZ });
    const runs = paged(start.actions);
    expect(runs.map((r) => [r.responderId, r.route, r.aedId])).toEqual([
      ['v2', 'via_aed', 'a1'],
      ['v1', 'direct', null],
    ]);
    expect(claimedAeds(start.state)).toEqual(['a1']);
    // The direct runner has no AED to collect, and accepting opens no cabinet.
    const step = answerRun(start.state, 'v1', 'accept', view, NOW + 5 * SECOND_MS);
    expect(step.actions.some((a) => a.type === 'unlock')).toBe(false);
    expect(answerRun(step.state, 'v1', 'aed_collected', view, NOW + 6 * SECOND_MS).ignored).toBe('not_applicable');
  });

  it('asks the next responder after a decline and after 60 s of silence, and the freed AED goes to the next one', () => {
    const rs = [responder('v1', north(CABINET, 10)), responder('v2', north(CABINET, 100)), responder('v3', north(CABINET, 150)), responder('v4', north(CABINET, 180)), responder('v5', north(CABINET, 190))];
    const view = viewOf(rs);
    const start = startEmergencyDispatch({ emergencyId: 'e1', patient, responders: rs, view, nowMs: NOW, timeZone: TZ });
    // Nearest to the patient first: v5 (110 m), v4 (120 m), v3 (150 m).
    expect(paged(start.actions).map((r) => r.responderId)).toEqual(['v5', 'v4', 'v3']);
    expect(paged(start.actions)[0]).toMatchObject({ responderId: 'v5', aedId: 'a1' });

    const declined = answerRun(start.state, 'v4', 'decline', view, NOW + 5 * SECOND_MS);
    expect(paged(declined.actions).map((r) => r.responderId)).toEqual(['v2']);
    expect(nextEmergencyDeadlineMs(declined.state)).toBe(NOW + 60 * SECOND_MS);

    expect(tickEmergencyDispatch(declined.state, view, NOW + 59 * SECOND_MS).actions).toEqual([]);
    const silent = tickEmergencyDispatch(declined.state, view, NOW + 60 * SECOND_MS);
    expect(silent.actions.filter((a) => a.type === 'timedOut').map((a) => (a.type === 'timedOut' ? a.responderId : ''))).toEqual(['v5', 'v3']);
    const next = paged(silent.actions);
    expect(next.map((r) => r.responderId)).toEqual(['v1']);
    // v5 held the AED and went silent: v1, next asked, fetches it.
    expect(next[0]).toMatchObject({ route: 'via_aed', aedId: 'a1' });

    // v5 answers late: still welcome, but straight to the patient (v1 has the AED now).
    const late = answerRun(silent.state, 'v5', 'accept', view, NOW + 70 * SECOND_MS);
    expect(late.state.runs.find((r) => r.responderId === 'v5')).toMatchObject({ state: 'accepted', route: 'direct', aedId: null });
    expect(late.actions.some((a) => a.type === 'unlock')).toBe(false);
  });

  it('reports at once when nobody is within the widest radius', () => {
    const far = responder('v9', north(CABINET, 5000));
    const start = startEmergencyDispatch({ emergencyId: 'e1', patient, responders: [far], view: viewOf([far]), nowMs: NOW, timeZone: TZ });
    expect(start.actions).toEqual([{ type: 'noResponders', asked: 0 }]);
    expect(start.state.noRespondersAtMs).toBe(NOW);
    expect(start.excluded).toEqual([{ id: 'v9', reason: 'beyond_max_radius' }]);
  });

  it('records the outcome: first acceptance, the AED on scene, who attended', () => {
    const v1 = responder('v1', north(CABINET, 20));
    const v2 = responder('v2', north(CABINET, 30));
    const view = viewOf([v1, v2]);
    let state = startEmergencyDispatch({ emergencyId: 'e1', patient, responders: [v1, v2], view, nowMs: NOW, timeZone: TZ }).state;
    state = answerRun(state, 'v2', 'accept', view, NOW + 20 * SECOND_MS).state;
    state = answerRun(state, 'v1', 'accept', view, NOW + 25 * SECOND_MS).state;
    state = answerRun(state, 'v1', 'on_scene', view, NOW + 200 * SECOND_MS).state;
    state = answerRun(state, 'v2', 'aed_collected', view, NOW + 60 * SECOND_MS).state;
    state = answerRun(state, 'v2', 'on_scene', view, NOW + 240 * SECOND_MS).state;
    expect(runOutcome(state)).toEqual({ firstAcceptAtMs: NOW + 20 * SECOND_MS, aedOnSceneAtMs: NOW + 240 * SECOND_MS, aedUsed: 'a1', attended: ['v2', 'v1'] });
    const stopped = stopEmergencyDispatch(state, NOW + 300 * SECOND_MS);
    expect(answerRun(stopped.state, 'v1', 'decline', view, NOW + 301 * SECOND_MS).ignored).toBe('closed');
  });
});
