import { describe, expect, it } from 'vitest';
import type { Alert, AlertKind, RaiseInput, Severity } from '../../../rules/safety/index.js';
import { alertKey, createAlertMachine, createSafetyEngine } from '../../../rules/safety/index.js';
import { deviceEvent, makeResident } from './fixtures.js';

const T0 = Date.parse('2025-03-10T02:00:00Z');

function machine() {
  let n = 0;
  return createAlertMachine({ newId: () => `a${(n += 1)}` });
}

function input(over: Partial<RaiseInput> = {}): RaiseInput {
  return { kind: 'vitals', severity: 'high', subject: 'r1', grid: 'g1', details: { hr: 140 }, occurredAtMs: T0, ...over };
}

describe('createAlertMachine: raising and dedup', () => {
  it('opens an alert with an injected id and a raised entry', () => {
    const { alert, changed, events } = machine().raise(undefined, input());
    expect(changed).toBe(true);
    expect(events).toEqual(['alertRaised']);
    expect(alert).toEqual({
      id: 'a1',
      kind: 'vitals',
      severity: 'high',
      state: 'open',
      subject: 'r1',
      grid: 'g1',
      createdAt: T0,
      ackedAt: null,
      resolvedAt: null,
      assignee: null,
      occurrences: 1,
      lastOccurredAt: T0,
      details: { hr: 140 },
      timeline: [{ type: 'raised', atMs: T0, severity: 'high', occurrence: 1 }],
    });
  });

  it('counts repeats on the open alert instead of opening another', () => {
    const m = machine();
    let alert = m.raise(undefined, input()).alert;
    for (let i = 1; i <= 3; i += 1) alert = m.raise(alert, input({ occurredAtMs: T0 + i * 1000, details: { hr: 140 + i } })).alert;
    expect(alert).toMatchObject({ id: 'a1', occurrences: 4, lastOccurredAt: T0 + 3000, details: { hr: 143 }, createdAt: T0 });
    expect(alert.timeline.map((e) => (e.type === 'raised' ? e.occurrence : 0))).toEqual([1, 2, 3, 4]);
  });

  it('counts repeats on an acked alert and keeps it acked', () => {
    const m = machine();
    const acked = m.ack(m.raise(undefined, input()).alert, { by: 'w1', atMs: T0 + 10 }).alert;
    const { alert, events } = m.raise(acked, input({ occurredAtMs: T0 + 20 }));
    expect(alert).toMatchObject({ id: 'a1', state: 'acked', occurrences: 2 });
    expect(events).toEqual(['alertRepeated']);
  });

  it('opens a new alert after the last one was resolved', () => {
    const m = machine();
    const resolved = m.resolve(m.raise(undefined, input()).alert, { by: 'w1', atMs: T0 + 10 }).alert;
    const { alert, events } = m.raise(resolved, input({ occurredAtMs: T0 + 20 }));
    expect(alert).toMatchObject({ id: 'a2', state: 'open', occurrences: 1, createdAt: T0 + 20 });
    expect(events).toEqual(['alertRaised']);
  });

  it.each<[Severity, Severity, Severity, boolean]>([
    ['low', 'high', 'high', true],
    ['medium', 'critical', 'critical', true],
    ['high', 'low', 'high', false],
    ['critical', 'medium', 'critical', false],
    ['high', 'high', 'high', false],
  ])('severity %s then %s is %s (lifted: %s)', (first, second, expected, lifted) => {
    const m = machine();
    const { alert, events } = m.raise(m.raise(undefined, input({ severity: first })).alert, input({ severity: second }));
    expect(alert.severity).toBe(expected);
    expect(events.includes('alertSeverityRaised')).toBe(lifted);
    const last = alert.timeline.at(-1);
    expect(last?.type === 'raised' ? last.previousSeverity : 'n/a').toBe(lifted ? first : undefined);
  });

  it('refuses to merge a raise into another subject or kind (a caller bug)', () => {
    const m = machine();
    const alert = m.raise(undefined, input()).alert;
    expect(() => m.raise(alert, input({ subject: 'r2' }))).toThrow(/vitals:r2/);
    expect(() => m.raise(alert, input({ kind: 'sos' }))).toThrow();
  });

  it('keys dedup by subject and kind', () => {
    expect(alertKey('r1', 'fall')).toBe('fall:r1');
    expect(alertKey('r1', 'fall')).not.toBe(alertKey('r1', 'sos'));
  });
});

describe('createAlertMachine: lifecycle', () => {
  const m = machine();
  const open = (): Alert => m.raise(undefined, input()).alert;

  it('goes open -> acked -> resolved, stamping each step', () => {
    const acked = m.ack(open(), { by: 'w1', atMs: T0 + 60_000, note: 'on my way' });
    expect(acked.alert).toMatchObject({ state: 'acked', ackedAt: T0 + 60_000, assignee: 'w1' });
    expect(acked.alert.timeline.at(-1)).toEqual({ type: 'acked', atMs: T0 + 60_000, by: 'w1', note: 'on my way' });
    const resolved = m.resolve(acked.alert, { by: 'w1', atMs: T0 + 600_000 });
    expect(resolved.alert).toMatchObject({ state: 'resolved', resolvedAt: T0 + 600_000, ackedAt: T0 + 60_000 });
    expect(resolved.alert.timeline.at(-1)).toEqual({ type: 'resolved', atMs: T0 + 600_000, by: 'w1', reason: 'manual' });
    expect(resolved.events).toEqual(['alertResolved']);
  });

  it('is idempotent: a second ack or resolve changes nothing', () => {
    const acked = m.ack(open(), { by: 'w1', atMs: T0 + 1 }).alert;
    const again = m.ack(acked, { by: 'w2', atMs: T0 + 2 });
    expect(again).toEqual({ alert: acked, changed: false, events: [] });
    const resolved = m.resolve(acked, { by: 'w1', atMs: T0 + 3 }).alert;
    expect(m.resolve(resolved, { by: 'w2', atMs: T0 + 4 })).toEqual({ alert: resolved, changed: false, events: [] });
    expect(m.ack(resolved, { by: 'w2', atMs: T0 + 5 }).changed).toBe(false);
  });

  it('lets a worker resolve without acking first, taking the alert', () => {
    const { alert } = m.resolve(open(), { by: 'w3', atMs: T0 + 5, note: 'false reading' });
    expect(alert).toMatchObject({ state: 'resolved', ackedAt: null, assignee: 'w3' });
  });

  it.each<[AlertKind, boolean]>([
    ['fall', false],
    ['sos', false],
    ['aed_opened', false],
    ['vitals', true],
    ['no_motion', true],
    ['stayed_in', true],
    ['wandering', true],
    ['device_offline', true],
    ['battery_low', true],
    ['not_worn', true],
  ])('a clear of %s resolves it: %s', (kind, resolves) => {
    const alert = m.raise(undefined, input({ kind })).alert;
    const { alert: after, changed } = m.clear(alert, { atMs: T0 + 100 });
    expect(changed).toBe(resolves);
    expect(after.state).toBe(resolves ? 'resolved' : 'open');
    if (resolves) expect(after.timeline.at(-1)).toEqual({ type: 'resolved', atMs: T0 + 100, by: null, reason: 'cleared' });
  });

  it('auto-resolves an acked alert on clear, and ignores a clear on a resolved one', () => {
    const acked = m.ack(open(), { by: 'w1', atMs: T0 + 1 }).alert;
    const cleared = m.clear(acked, { atMs: T0 + 2 }).alert;
    expect(cleared.state).toBe('resolved');
    expect(m.clear(cleared, { atMs: T0 + 3 }).changed).toBe(false);
  });

  it('appends notes and delivery records in order, in any state', () => {
    let alert = open();
    alert = m.record(alert, { type: 'escalated', atMs: T0 + 1, step: 0, reason: 'step', notify: ['onDuty'], recipients: ['w1'] }).alert;
    alert = m.record(alert, { type: 'paged', atMs: T0 + 2, to: 'w1', channel: 'webhook', step: 0 }).alert;
    alert = m.record(alert, { type: 'failed', atMs: T0 + 3, to: 'w1', channel: 'webhook', error: 'HTTP 500' }).alert;
    alert = m.record(alert, { type: 'delivered', atMs: T0 + 4, to: 'w1', channel: 'sms' }).alert;
    alert = m.resolve(alert, { by: 'w1', atMs: T0 + 5 }).alert;
    alert = m.note(alert, { text: 'family informed', atMs: T0 + 6, by: 'w1' }).alert;
    expect(alert.timeline.map((e) => e.type)).toEqual(['raised', 'escalated', 'paged', 'failed', 'delivered', 'resolved', 'note']);
    expect(alert.timeline.map((e) => e.atMs)).toEqual([T0, T0 + 1, T0 + 2, T0 + 3, T0 + 4, T0 + 5, T0 + 6]);
  });

  it('never mutates the alert it was given', () => {
    const alert = open();
    const copy = structuredClone(alert);
    m.ack(alert, { by: 'w1', atMs: T0 + 1 });
    m.raise(alert, input({ severity: 'critical' }));
    m.clear(alert, { atMs: T0 + 2 });
    expect(alert).toEqual(copy);
  });

  it('takes a raise outcome from the engine as it is', () => {
    const engine = createSafetyEngine({ config: { rules: { fall: { cancelWindowS: 0 } } } });
    const [outcome] = engine.onEvent(deviceEvent(T0, { type: 'fall', confidence: 0.9 }), makeResident());
    if (outcome?.type !== 'raise') throw new Error('expected a raise');
    const { alert } = machine().raise(undefined, outcome);
    expect(alert).toMatchObject({ kind: 'fall', severity: 'critical', subject: 'r1', grid: 'g1', createdAt: T0 });
    expect(machine().clear(alert, { atMs: T0 + 1 }).alert.state).toBe('open');
  });
});
