import { describe, expect, it } from 'vitest';
import type { DispatchAction, DispatchState, DispatchStep, ResponderCandidate } from '../../../rules/aed/index.js';
import {
  acceptDispatch,
  declineDispatch,
  dispatchMetrics,
  nextDispatchDeadlineMs,
  refreshDispatch,
  startDispatch,
  stopDispatch,
  tickDispatch,
} from '../../../rules/aed/index.js';
import { CABINET, north, shanghai } from './fixtures.js';

const T0 = shanghai('2025-03-10T10:00:00');
const S = 1000;

function responder(id: string, metres: number, over: Partial<ResponderCandidate> = {}): ResponderCandidate {
  return { id, certifiedUntil: '2027-09-30', available: true, ...north(CABINET, metres), ...over };
}

/** Named by distance: v100 is 100 m from the cabinet. */
const RESPONDERS: ResponderCandidate[] = [
  responder('v300', 300),
  responder('v100', 100),
  responder('v450', 450),
  responder('v150', 150),
  responder('v200', 200),
  responder('v700', 700),
  responder('v2000', 2000),
  responder('off-duty', 50, { available: false }),
  { id: 'uncertified', available: true, ...north(CABINET, 60) },
  responder('lapsed', 70, { certifiedUntil: '2025-03-09' }),
  { id: 'nowhere', certifiedUntil: '2027-09-30', available: true },
];

function start(responders = RESPONDERS, config = {}) {
  return startDispatch({ incidentId: 'a1@1', origin: CABINET, responders, nowMs: T0, timeZone: 'Asia/Shanghai', config });
}

/** "page v100 100" / "widen 500>750" / "stop enough_accepted" / ..., for compact tables. */
function brief(actions: readonly DispatchAction[]): string[] {
  return actions.map((a) => {
    switch (a.type) {
      case 'page':
        return `page ${a.responderId} ${a.distanceM}`;
      case 'widen':
        return `widen ${a.fromM}>${a.toM}`;
      case 'stop':
        return `stop ${a.reason}`;
      case 'cancel':
        return `cancel ${a.responderId}`;
      case 'timedOut':
        return `timedOut ${a.responderId}`;
    }
  });
}

type Move = ['accept' | 'decline', string, number] | ['tick', number] | ['stop', number];

function apply(state: DispatchState, move: Move): DispatchStep {
  switch (move[0]) {
    case 'accept':
      return acceptDispatch(state, move[1], T0 + move[2] * S);
    case 'decline':
      return declineDispatch(state, move[1], T0 + move[2] * S);
    case 'tick':
      return tickDispatch(state, T0 + move[1] * S);
    case 'stop':
      return stopDispatch(state, T0 + move[1] * S);
  }
}

function play(moves: Move[], responders = RESPONDERS, config = {}): { first: string[]; steps: string[][]; state: DispatchState } {
  const started = start(responders, config);
  let state = started.state;
  const steps = moves.map((move) => {
    const step = apply(state, move);
    state = step.state;
    return brief(step.actions);
  });
  return { first: brief(started.actions), steps, state };
}

describe('the responder dispatch planner', () => {
  it('pages the three nearest available, certified responders within 500 m, nearest first', () => {
    const { actions, state, excluded } = start();
    expect(brief(actions)).toEqual(['page v100 100', 'page v150 150', 'page v200 200']);
    expect(actions[0]).toEqual({ type: 'page', responderId: 'v100', distanceM: 100, radiusM: 500, deadlineMs: T0 + 60 * S });
    expect(excluded).toEqual([
      { id: 'v2000', reason: 'beyond_max_radius' },
      { id: 'off-duty', reason: 'unavailable' },
      { id: 'uncertified', reason: 'not_certified' },
      { id: 'lapsed', reason: 'certification_expired' },
      { id: 'nowhere', reason: 'no_location' },
    ]);
    expect(state.status).toBe('paging');
  });

  it.each<[string, Move[], string[][]]>([
    ['a decline pages the next nearest', [['decline', 'v150', 10]], [['page v300 300']]],
    ['declines go down the list in distance order', [['decline', 'v100', 5], ['decline', 'v200', 6]], [['page v300 300'], ['page v450 450']]],
    ['no answer in 59 s is still waiting', [['tick', 59]], [[]]],
    [
      'no answer in 60 s counts as a decline',
      [['accept', 'v100', 30], ['tick', 60]],
      [[], ['timedOut v150', 'timedOut v200', 'page v300 300', 'page v450 450']],
    ],
    [
      'three accepts stop the paging',
      [['accept', 'v100', 10], ['accept', 'v200', 20], ['accept', 'v150', 30]],
      [[], [], ['stop enough_accepted']],
    ],
    [
      'nobody left within 500 m widens the radius step by step',
      [['decline', 'v100', 5], ['decline', 'v150', 6], ['decline', 'v200', 7], ['decline', 'v300', 8]],
      [['page v300 300'], ['page v450 450'], ['widen 500>750', 'page v700 700'], []],
    ],
    [
      'everyone declining within the largest radius: the 2 km responder is never paged',
      [['decline', 'v100', 5], ['decline', 'v150', 6], ['decline', 'v200', 7], ['decline', 'v300', 8], ['decline', 'v450', 9], ['decline', 'v700', 10]],
      [['page v300 300'], ['page v450 450'], ['widen 500>750', 'page v700 700'], [], [], ['stop no_more_responders']],
    ],
    [
      'a late accept after the timeout still counts, and releases the extra ones',
      [['tick', 60], ['accept', 'v100', 70], ['accept', 'v150', 71], ['accept', 'v300', 72]],
      [['timedOut v100', 'timedOut v150', 'timedOut v200', 'page v300 300', 'page v450 450', 'widen 500>750', 'page v700 700'], [], [], ['cancel v450', 'cancel v700', 'stop enough_accepted']],
    ],
    ['a withdrawal after accepting pages the next nearest', [['accept', 'v100', 10], ['decline', 'v100', 40]], [[], ['page v300 300']]],
    ['stopping releases everyone still deciding', [['accept', 'v100', 10], ['stop', 20]], [[], ['cancel v150', 'cancel v200', 'stop stopped']]],
    ['nothing happens after a stop', [['stop', 20], ['decline', 'v100', 30], ['tick', 120]], [['cancel v100', 'cancel v150', 'cancel v200', 'stop stopped'], [], []]],
  ])('%s', (_name, moves, expected) => {
    expect(play(moves).steps).toEqual(expected);
  });

  it('records who accepted and the time from the opening to the first accept', () => {
    const { state } = play([['accept', 'v150', 12], ['decline', 'v100', 20], ['accept', 'v300', 40]]);
    expect(state.acceptedIds).toEqual(['v150', 'v300']);
    expect(dispatchMetrics(state)).toEqual({ timeToFirstAcceptMs: 12 * S, accepted: 2, paged: 4, declined: 1, timedOut: 0, radiusM: 500 });
  });

  it('ignores answers from people never paged, and repeated answers', () => {
    const { state } = start();
    expect(acceptDispatch(state, 'v2000', T0 + S)).toEqual({ state, actions: [], ignored: 'not_asked' });
    const accepted = acceptDispatch(state, 'v100', T0 + S).state;
    expect(acceptDispatch(accepted, 'v100', T0 + 2 * S).ignored).toBe('already_answered');
    const declined = declineDispatch(state, 'v150', T0 + S).state;
    expect(declineDispatch(declined, 'v150', T0 + 2 * S).ignored).toBe('already_answered');
  });

  it('never changes the state it is given', () => {
    const { state } = start();
    const frozen = JSON.parse(JSON.stringify(state)) as DispatchState;
    declineDispatch(state, 'v100', T0 + S);
    tickDispatch(state, T0 + 90 * S);
    acceptDispatch(state, 'v150', T0 + S);
    expect(state).toEqual(frozen);
  });

  it('keeps plain JSON state that can be resumed after a restart', () => {
    const { state } = start();
    const resumed = JSON.parse(JSON.stringify(state)) as DispatchState;
    expect(resumed).toEqual(state);
    expect(brief(declineDispatch(resumed, 'v100', T0 + S).actions)).toEqual(['page v300 300']);
  });

  it('says when to tick next', () => {
    const { state } = start();
    expect(nextDispatchDeadlineMs(state)).toBe(T0 + 60 * S);
    const later = declineDispatch(state, 'v100', T0 + 30 * S).state;
    expect(nextDispatchDeadlineMs(later)).toBe(T0 + 60 * S);
    expect(nextDispatchDeadlineMs(stopDispatch(later, T0 + 31 * S).state)).toBeNull();
  });

  it('widens straight to the largest radius, in planned steps, when the nearest is far', () => {
    const { first } = play([], [responder('far', 990)]);
    expect(first).toEqual(['widen 500>1000', 'page far 990']);
    const stepwise = play([], [responder('mid', 1100)], { maxRadiusM: 2000 });
    expect(stepwise.first).toEqual(['widen 500>1125', 'page mid 1100']);
  });

  it('stops at once when nobody can be paged', () => {
    const { first, state } = play([], [responder('off', 100, { available: false })]);
    expect(first).toEqual(['stop no_more_responders']);
    expect(state.status).toBe('exhausted');
  });

  it("takes the contract's rules.aedOpened overrides", () => {
    const { first, state } = play([], RESPONDERS, { radiusM: 160, responders: 2, acceptTimeoutS: 30 });
    expect(first).toEqual(['page v100 100', 'page v150 150']);
    expect(state.asks[0]?.deadlineMs).toBe(T0 + 30 * S);
    // Widening goes on from the configured radius up to the default maximum.
    expect(state.config).toMatchObject({ radiusM: 160, maxRadiusM: 1000 });
  });

  it('accepts a radius wider than the default maximum without widening past it', () => {
    const { first } = play([], [responder('v1500', 1500)], { radiusM: 2000 });
    expect(first).toEqual(['page v1500 1500']);
  });

  it('counts a certificate valid through its last day, in local time', () => {
    const lastDay = [responder('r', 100, { certifiedUntil: '2025-03-10' })];
    const at = (iso: string) => startDispatch({ incidentId: 'x', origin: CABINET, responders: lastDay, nowMs: shanghai(iso), timeZone: 'Asia/Shanghai' });
    expect(brief(at('2025-03-10T23:59:59').actions)).toEqual(['page r 100']);
    expect(at('2025-03-11T00:00:00').excluded).toEqual([{ id: 'r', reason: 'certification_expired' }]);
  });

  it('adds a responder who becomes available mid-incident, by distance', () => {
    let { state } = start();
    state = declineDispatch(state, 'v100', T0 + S).state;
    const now = [...RESPONDERS, responder('v120', 120)];
    const refreshed = refreshDispatch(state, now, T0 + 2 * S, 'Asia/Shanghai');
    // v300 was paged already; the next free slot goes to the new, nearer responder.
    expect(refreshed.actions).toEqual([]);
    expect(brief(declineDispatch(refreshed.state, 'v150', T0 + 3 * S).actions)).toEqual(['page v120 120']);
  });

  it('resumes paging when new responders appear after everyone declined', () => {
    const few = [responder('v100', 100)];
    let state = start(few).state;
    state = declineDispatch(state, 'v100', T0 + S).state;
    expect(state.status).toBe('exhausted');
    const refreshed = refreshDispatch(state, [...few, responder('v90', 90)], T0 + 2 * S, 'Asia/Shanghai');
    expect(brief(refreshed.actions)).toEqual(['page v90 90']);
    expect(refreshed.state.status).toBe('paging');
    expect(refreshDispatch(refreshed.state, [...few, responder('v90', 90)], T0 + 3 * S).actions).toEqual([]);
  });
});
