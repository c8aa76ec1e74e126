import { describe, expect, it } from 'vitest';
import type { Alert, EscalationPlanner, Roster, Severity } from '../../../rules/safety/index.js';
import { createAlertMachine, createEscalationPlanner } from '../../../rules/safety/index.js';
import { MINUTE_MS, shanghai } from './fixtures.js';

const ROSTER: Roster = { onDuty: ['w1'], backup: ['w2'], family: ['f1', 'f2'], emergencyGroup: ['w3', 'v1'] };
const DAY = shanghai('2025-03-10T10:00:00');
const machine = createAlertMachine({ newId: () => 'a1' });

function newAlert(severity: Severity, atMs = DAY): Alert {
  return machine.raise(undefined, { kind: 'fall', severity, subject: 'r1', grid: 'g1', details: {}, occurredAtMs: atMs }).alert;
}

/**
 * Follows the plan as an I/O layer would: wake at nextAtMs, apply what is due, until untilMs.
 * Returns "step@minutes after createdAt -> recipients" for every page.
 */
function follow(planner: EscalationPlanner, alert: Alert, untilMs: number, onWake?: (a: Alert, atMs: number) => Alert): string[] {
  const out: string[] = [];
  let current = alert;
  let at = alert.createdAt;
  for (let guard = 0; guard < 50 && at <= untilMs; guard += 1) {
    if (onWake !== undefined) current = onWake(current, at);
    const plan = planner.plan({ alert: current, nowMs: at, roster: ROSTER });
    for (const action of plan.due) {
      current = planner.apply(current, action, at);
      const label = action.type === 'page' ? `${action.reason}${action.step}` : 'digest';
      out.push(`${label}@${(at - alert.createdAt) / MINUTE_MS}m->${action.recipients.join('+')}`);
    }
    if (plan.nextAtMs === null) break;
    at = plan.nextAtMs;
  }
  return out;
}

describe('createEscalationPlanner: steps', () => {
  const planner = createEscalationPlanner({ timeZone: 'Asia/Shanghai' });

  it('pages on duty at once, backup and family at 3 min, the emergency group at 8 min, then it every 10 min', () => {
    expect(follow(planner, newAlert('critical'), DAY + 30 * MINUTE_MS)).toEqual([
      'step0@0m->w1',
      'step1@3m->w2+f1+f2',
      'step2@8m->w3+v1',
      'repage2@18m->w3+v1',
      'repage2@28m->w3+v1',
    ]);
  });

  it('is not due a millisecond early, and is due exactly on time', () => {
    const alert = planner.apply(newAlert('high'), { type: 'page', step: 0, reason: 'step', notify: ['onDuty'], recipients: ['w1'] }, DAY);
    expect(planner.plan({ alert, nowMs: DAY + 180_000 - 1, roster: ROSTER })).toEqual({ due: [], nextAtMs: DAY + 180_000 });
    expect(planner.plan({ alert, nowMs: DAY + 180_000, roster: ROSTER })).toEqual({
      due: [{ type: 'page', step: 1, reason: 'step', notify: ['backup', 'family'], recipients: ['w2', 'f1', 'f2'] }],
      nextAtMs: DAY + 480_000,
    });
  });

  it('plans the same step again until it is applied, and never twice after', () => {
    const alert = newAlert('high');
    const first = planner.plan({ alert, nowMs: DAY, roster: ROSTER });
    expect(planner.plan({ alert, nowMs: DAY + 1000, roster: ROSTER }).due).toEqual(first.due);
    const [action] = first.due;
    if (action === undefined) throw new Error('expected a step');
    const applied = planner.apply(alert, action, DAY);
    expect(planner.plan({ alert: applied, nowMs: DAY + 1000, roster: ROSTER }).due).toEqual([]);
  });

  it('stops escalating once acked', () => {
    const ackAt = DAY + 2 * MINUTE_MS;
    const log = follow(planner, newAlert('high'), DAY + 60 * MINUTE_MS, (a, at) =>
      at >= ackAt ? machine.ack(a, { by: 'w1', atMs: ackAt }).alert : a,
    );
    // The next wake is at 3 min; by then it is acked.
    expect(log).toEqual(['step0@0m->w1']);
  });

  it('resumes after a restart from the timeline: one overdue step, then a fresh wait', () => {
    const started = planner.apply(newAlert('critical'), { type: 'page', step: 0, reason: 'step', notify: ['onDuty'], recipients: ['w1'] }, DAY);
    // Down from 1 min to 10 min: step 1 was due at 3 min and is sent on the way back up.
    const back = DAY + 10 * MINUTE_MS;
    const plan = planner.plan({ alert: started, nowMs: back, roster: ROSTER });
    expect(plan.due.map((a) => (a.type === 'page' ? a.step : -1))).toEqual([1]);
    expect(plan.nextAtMs).toBe(back + 300_000);
  });

  it('does not wait on a step that reached nobody', () => {
    const roster: Roster = { onDuty: ['w1'], emergencyGroup: ['v1'] };
    let alert = planner.apply(newAlert('critical'), { type: 'page', step: 0, reason: 'step', notify: ['onDuty'], recipients: ['w1'] }, DAY);
    const step1 = planner.plan({ alert, nowMs: DAY + 180_000, roster });
    expect(step1.due).toMatchObject([{ step: 1, recipients: [] }]);
    expect(step1.nextAtMs).toBe(DAY + 180_000);
    const [action] = step1.due;
    if (action === undefined) throw new Error('expected a step');
    alert = planner.apply(alert, action, DAY + 180_000);
    expect(planner.plan({ alert, nowMs: DAY + 180_000, roster }).due).toMatchObject([{ step: 2, recipients: ['v1'] }]);
  });

  it('pages each person once per step, in roster order', () => {
    const roster: Roster = { onDuty: ['w1'], backup: ['w1', 'w2'], family: ['w2', 'f1'] };
    const alert = planner.apply(newAlert('high'), { type: 'page', step: 0, reason: 'step', notify: ['onDuty'], recipients: ['w1'] }, DAY);
    expect(planner.plan({ alert, nowMs: DAY + 180_000, roster }).due).toMatchObject([{ recipients: ['w1', 'w2', 'f1'] }]);
  });

  it('follows a grid policy', () => {
    const steps = [{ notify: ['onDuty', 'family'] as const, waitS: 60 }, { notify: ['emergencyGroup'] as const }];
    const alert = newAlert('critical');
    const first = planner.plan({ alert, nowMs: DAY, roster: ROSTER, steps });
    expect(first).toEqual({
      due: [{ type: 'page', step: 0, reason: 'step', notify: ['onDuty', 'family'], recipients: ['w1', 'f1', 'f2'] }],
      nextAtMs: DAY + 60_000,
    });
  });

  it.each<[Severity, string[]]>([
    ['critical', ['step0@0m->w1', 'step1@3m->w2+f1+f2', 'step2@8m->w3+v1', 'repage2@18m->w3+v1']],
    ['high', ['step0@0m->w1', 'step1@3m->w2+f1+f2', 'step2@8m->w3+v1', 'repage2@18m->w3+v1']],
    ['medium', ['step0@0m->w1', 'step1@3m->w2+f1+f2']],
    ['low', ['step0@0m->w1']],
  ])('a %s alert in the day climbs to %j', (severity, expected) => {
    expect(follow(planner, newAlert(severity), DAY + 20 * MINUTE_MS)).toEqual(expected);
  });

  it('does nothing for a resolved alert', () => {
    const resolved = machine.resolve(newAlert('critical'), { by: 'w1', atMs: DAY }).alert;
    expect(planner.plan({ alert: resolved, nowMs: DAY + 3600_000, roster: ROSTER })).toEqual({ due: [], nextAtMs: null });
  });
});

describe('createEscalationPlanner: re-page of acked critical alerts', () => {
  const planner = createEscalationPlanner({ timeZone: 'Asia/Shanghai' });

  it('re-pages the worker who acked every 30 min until resolved', () => {
    const ackAt = DAY + MINUTE_MS;
    const resolveAt = DAY + 100 * MINUTE_MS;
    const log = follow(planner, newAlert('critical'), DAY + 200 * MINUTE_MS, (a, at) => {
      let next = at >= ackAt ? machine.ack(a, { by: 'w2', atMs: ackAt }).alert : a;
      if (at >= resolveAt) next = machine.resolve(next, { by: 'w2', atMs: resolveAt }).alert;
      return next;
    });
    expect(log).toEqual(['step0@0m->w1', 'repage0@31m->w2', 'repage0@61m->w2', 'repage0@91m->w2']);
  });

  it('is not due before 30 min after the ack', () => {
    const acked = machine.ack(newAlert('critical'), { by: 'w1', atMs: DAY }).alert;
    expect(planner.plan({ alert: acked, nowMs: DAY + 30 * MINUTE_MS - 1, roster: ROSTER })).toEqual({ due: [], nextAtMs: DAY + 30 * MINUTE_MS });
    expect(planner.plan({ alert: acked, nowMs: DAY + 30 * MINUTE_MS, roster: ROSTER }).due).toMatchObject([
      { type: 'page', reason: 'repage', notify: ['assignee'], recipients: ['w1'] },
    ]);
  });

  it.each<Severity>(['high', 'medium', 'low'])('does not re-page an acked %s alert', (severity) => {
    const acked = machine.ack(newAlert(severity), { by: 'w1', atMs: DAY }).alert;
    expect(planner.plan({ alert: acked, nowMs: DAY + 5 * 3600_000, roster: ROSTER })).toEqual({ due: [], nextAtMs: null });
  });

  it('takes another re-page interval', () => {
    const custom = createEscalationPlanner({ timeZone: 'Asia/Shanghai', repageAckedCriticalAfterS: 600 });
    const acked = machine.ack(newAlert('critical'), { by: 'w1', atMs: DAY }).alert;
    expect(custom.plan({ alert: acked, nowMs: DAY, roster: ROSTER }).nextAtMs).toBe(DAY + 600_000);
  });
});

describe('createEscalationPlanner: low alerts at night go to a digest', () => {
  const planner = createEscalationPlanner({ timeZone: 'Asia/Shanghai' });

  it.each([
    ['2025-03-10T21:59:59', 'page'],
    ['2025-03-10T22:00:00', 'digest'],
    ['2025-03-11T03:00:00', 'digest'],
    ['2025-03-11T06:59:59', 'digest'],
    ['2025-03-11T07:00:00', 'page'],
  ])('a low alert raised at %s (Shanghai) gets a %s', (local, expected) => {
    const at = shanghai(local);
    const plan = planner.plan({ alert: newAlert('low', at), nowMs: at, roster: ROSTER });
    expect(plan.due.map((a) => a.type)).toEqual([expected]);
  });

  it('sends the digest at 07:00 to the on-duty worker, then nothing more', () => {
    const at = shanghai('2025-03-10T23:30:00');
    const alert = newAlert('low', at);
    const plan = planner.plan({ alert, nowMs: at, roster: ROSTER });
    expect(plan).toEqual({ due: [{ type: 'digest', sendAtMs: shanghai('2025-03-11T07:00:00'), recipients: ['w1'] }], nextAtMs: null });
    const [action] = plan.due;
    if (action === undefined) throw new Error('expected a digest');
    const digested = planner.apply(alert, action, at);
    expect(digested.timeline.at(-1)).toEqual({ type: 'digested', atMs: at, sendAtMs: shanghai('2025-03-11T07:00:00'), recipients: ['w1'] });
    expect(planner.plan({ alert: digested, nowMs: shanghai('2025-03-11T08:00:00'), roster: ROSTER })).toEqual({ due: [], nextAtMs: null });
  });

  it.each<Severity>(['medium', 'high', 'critical'])('pages a %s alert at night', (severity) => {
    const at = shanghai('2025-03-11T03:00:00');
    expect(planner.plan({ alert: newAlert(severity, at), nowMs: at, roster: ROSTER }).due).toMatchObject([{ type: 'page', step: 0 }]);
  });

  it('pages a digested alert once its severity rises', () => {
    const at = shanghai('2025-03-11T03:00:00');
    const alert = newAlert('low', at);
    const [action] = planner.plan({ alert, nowMs: at, roster: ROSTER }).due;
    if (action === undefined) throw new Error('expected a digest');
    const digested = planner.apply(alert, action, at);
    const lifted = machine.raise(digested, { kind: 'fall', severity: 'medium', subject: 'r1', grid: 'g1', details: {}, occurredAtMs: at + 1000 }).alert;
    expect(planner.plan({ alert: lifted, nowMs: at + 1000, roster: ROSTER }).due).toMatchObject([{ type: 'page', step: 0 }]);
  });

  it('follows the deployment time zone', () => {
    // 15:00Z is 23:00 in Shanghai (quiet) and 16:00 in London (not).
    const at = Date.parse('2025-03-10T15:00:00Z');
    const london = createEscalationPlanner({ timeZone: 'Europe/London' });
    expect(planner.plan({ alert: newAlert('low', at), nowMs: at, roster: ROSTER }).due.map((a) => a.type)).toEqual(['digest']);
    expect(london.plan({ alert: newAlert('low', at), nowMs: at, roster: ROSTER }).due.map((a) => a.type)).toEqual(['page']);
  });

  it('refuses malformed quiet hours at construction', () => {
    expect(() => createEscalationPlanner({ quietHours: '10pm-7am' })).toThrow(/quietHours/);
  });
});
