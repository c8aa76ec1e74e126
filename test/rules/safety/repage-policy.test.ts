import { describe, expect, it } from 'vitest';
import type { Alert, EscalationPlanner, RepagePolicy, Roster, Severity } from '../../../rules/safety/index.js';
import { createAlertMachine, createEscalationPlanner } from '../../../rules/safety/index.js';
import { MINUTE_MS, shanghai } from './fixtures.js';

const ROSTER: Roster = { onDuty: ['w1'], backup: ['w2'], family: ['f1'], emergencyGroup: ['v1'] };
const DAY = shanghai('2025-03-10T10:00:00');
const machine = createAlertMachine({ newId: () => 'a1' });
const planner: EscalationPlanner = createEscalationPlanner({ timeZone: 'Asia/Shanghai' });

function raise(current: Alert | undefined, severity: Severity, atMs: number): Alert {
  return machine.raise(current, { kind: 'fall', severity, subject: 'r1', grid: 'g1', details: {}, occurredAtMs: atMs }).alert;
}

/** Plans and applies everything due at atMs, as the alert service does; returns the alert and labels of what went out. */
function wake(alert: Alert, atMs: number, repage?: RepagePolicy): { alert: Alert; out: string[]; nextAtMs: number | null } {
  const plan = planner.plan({ alert, nowMs: atMs, roster: ROSTER, ...(repage === undefined ? {} : { repage }) });
  let next = alert;
  const out: string[] = [];
  for (const action of plan.due) {
    next = planner.apply(next, action, atMs);
    if (action.type === 'page') out.push(`${action.cause ?? action.reason}${action.step}->${action.recipients.join('+')}`);
  }
  return { alert: next, out, nextAtMs: plan.nextAtMs };
}

describe('re-page: a new critical occurrence on an open, unacked alert', () => {
  it('pages the current step again at once, and records it as repaged', () => {
    let { alert } = wake(raise(undefined, 'critical', DAY), DAY);
    alert = raise(alert, 'critical', DAY + MINUTE_MS);
    const woke = wake(alert, DAY + MINUTE_MS);
    expect(woke.out).toEqual(['new_occurrence0->w1']);
    expect(woke.alert.timeline.at(-1)).toMatchObject({ type: 'repaged', cause: 'new_occurrence', step: 0, recipients: ['w1'] });
    // The wait for step 1 still runs from step 0.
    expect(woke.nextAtMs).toBe(DAY + 3 * MINUTE_MS);
    // Once recorded, planning again (a restart) does not repeat it.
    expect(wake(woke.alert, DAY + MINUTE_MS + 1000).out).toEqual([]);
  });

  it('pages the step in force: after step 1, backup and family', () => {
    let { alert } = wake(raise(undefined, 'critical', DAY), DAY);
    ({ alert } = wake(alert, DAY + 3 * MINUTE_MS));
    alert = raise(alert, 'critical', DAY + 4 * MINUTE_MS);
    expect(wake(alert, DAY + 4 * MINUTE_MS).out).toEqual(['new_occurrence1->w2+f1']);
  });

  it('is once per occurrence: two occurrences, two re-pages', () => {
    let { alert } = wake(raise(undefined, 'critical', DAY), DAY);
    const log: string[] = [];
    for (const minute of [1, 2]) {
      alert = raise(alert, 'critical', DAY + minute * MINUTE_MS);
      const woke = wake(alert, DAY + minute * MINUTE_MS);
      log.push(...woke.out);
      alert = woke.alert;
    }
    expect(log).toEqual(['new_occurrence0->w1', 'new_occurrence0->w1']);
  });

  it('does not re-page for a non-critical occurrence, an acked alert, or a grid that turned it off', () => {
    let { alert } = wake(raise(undefined, 'high', DAY), DAY);
    expect(wake(raise(alert, 'high', DAY + MINUTE_MS), DAY + MINUTE_MS).out).toEqual([]);
    ({ alert } = wake(raise(undefined, 'critical', DAY), DAY));
    const acked = machine.ack(alert, { by: 'w1', atMs: DAY + 30_000 }).alert;
    expect(wake(raise(acked, 'critical', DAY + MINUTE_MS), DAY + MINUTE_MS).out).toEqual([]);
    const off = { newCriticalOccurrence: false, repeatLastStepS: 600 };
    expect(wake(raise(alert, 'critical', DAY + MINUTE_MS), DAY + MINUTE_MS, off).out).toEqual([]);
  });

  it('counts an occurrence whose device time is older than the latest page (a lagging clock)', () => {
    let { alert } = wake(raise(undefined, 'critical', DAY), DAY);
    alert = raise(alert, 'critical', DAY - 5 * MINUTE_MS);
    expect(wake(alert, DAY + 1000).out).toEqual(['new_occurrence0->w1']);
  });
});

describe('re-page: the last step repeated while nobody acks', () => {
  function exhausted(severity: Severity, repage?: RepagePolicy): Alert {
    let { alert } = wake(raise(undefined, severity, DAY), DAY, repage);
    ({ alert } = wake(alert, DAY + 3 * MINUTE_MS, repage));
    ({ alert } = wake(alert, DAY + 8 * MINUTE_MS, repage));
    return alert;
  }

  it('repeats every repeatLastStepS, not a millisecond early, until acked', () => {
    const policy = { newCriticalOccurrence: true, repeatLastStepS: 120 };
    let alert = exhausted('critical', policy);
    const last = DAY + 8 * MINUTE_MS;
    expect(wake(alert, last + 120_000 - 1, policy)).toMatchObject({ out: [], nextAtMs: last + 120_000 });
    let woke = wake(alert, last + 120_000, policy);
    expect(woke).toMatchObject({ out: ['last_step_repeated2->v1'], nextAtMs: last + 240_000 });
    woke = wake(woke.alert, last + 240_000, policy);
    expect(woke.out).toEqual(['last_step_repeated2->v1']);
    alert = machine.ack(woke.alert, { by: 'v1', atMs: last + 250_000 }).alert;
    expect(wake(alert, last + 360_000, policy).out).toEqual([]);
  });

  it('a new occurrence restarts the interval', () => {
    let alert = exhausted('critical');
    alert = raise(alert, 'critical', DAY + 10 * MINUTE_MS);
    const woke = wake(alert, DAY + 10 * MINUTE_MS);
    expect(woke).toMatchObject({ out: ['new_occurrence2->v1'], nextAtMs: DAY + 20 * MINUTE_MS });
  });

  it('repeats the last step that reached someone when the last role is empty', () => {
    const roster: Roster = { onDuty: ['w1'], backup: ['w2'] };
    let alert = raise(undefined, 'critical', DAY);
    for (const at of [DAY, DAY + 3 * MINUTE_MS, DAY + 8 * MINUTE_MS]) {
      for (const action of planner.plan({ alert, nowMs: at, roster }).due) alert = planner.apply(alert, action, at);
    }
    const plan = planner.plan({ alert, nowMs: DAY + 18 * MINUTE_MS, roster });
    expect(plan.due).toMatchObject([{ step: 1, cause: 'last_step_repeated', recipients: ['w2'] }]);
  });

  it.each<[Severity, boolean]>([
    ['critical', true],
    ['high', true],
    ['medium', false],
    ['low', false],
  ])('a %s alert repeats: %s', (severity, repeats) => {
    const alert = exhausted(severity);
    expect(wake(alert, DAY + 60 * MINUTE_MS).out.length > 0).toBe(repeats);
  });

  it('never repeats with repeatLastStepS null', () => {
    const off = { newCriticalOccurrence: true, repeatLastStepS: null };
    const alert = exhausted('critical', off);
    expect(wake(alert, DAY + 600 * MINUTE_MS, off)).toMatchObject({ out: [], nextAtMs: null });
  });
});
