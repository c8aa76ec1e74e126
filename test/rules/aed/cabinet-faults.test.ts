import { describe, expect, it } from 'vitest';
import type { AedValues } from '../../../sensors/index.js';
import type { AedOutcome, AedRaiseOutcome } from '../../../rules/aed/index.js';
import { createCabinetHarness, DAY_MS, HOUR_MS, labels, makeAed, shanghai } from './fixtures.js';

const T0 = shanghai('2025-03-10T10:00:00');

function firstRaise(log: readonly { outcome: AedOutcome }[]): AedRaiseOutcome | undefined {
  for (const { outcome } of log) if (outcome.type === 'raise') return outcome;
  return undefined;
}

/** Telemetry one minute apart; each message's fault and state outcomes as labels ('-' for none). */
function readings(samples: AedValues[]): string[] {
  const h = createCabinetHarness({ startMs: T0 });
  return samples.map((values) => {
    h.clock.advanceMs(60_000);
    return labels(h.read(values)).join(',') || '-';
  });
}

describe('aed_fault from telemetry: one alert per fault, clears when fixed', () => {
  it.each<[string, AedValues[], string[]]>([
    ['battery at 20 % is fine, 19.9 % is low', [{ bat: 21 }, { bat: 20 }, { bat: 19.9 }], ['-', '-', 'raise:battery_low,state:ready>fault']],
    ['a low battery raises once', [{ bat: 19 }, { bat: 15 }, { bat: 5 }], ['raise:battery_low,state:ready>fault', '-', '-']],
    ['hovering just above 20 % does not clear', [{ bat: 19 }, { bat: 21 }, { bat: 24.9 }, { bat: 19 }], ['raise:battery_low,state:ready>fault', '-', '-', '-']],
    ['25 % clears', [{ bat: 19 }, { bat: 25 }], ['raise:battery_low,state:ready>fault', 'clear:battery_low,state:fault>ready']],
    ['50 °C is fine, 50.1 °C is too hot', [{ tempC: 50 }, { tempC: 50.1 }], ['-', 'raise:temperature_out_of_range,state:ready>fault']],
    [
      'too hot clears only at 48 °C',
      [{ tempC: 55 }, { tempC: 49 }, { tempC: 48 }],
      ['raise:temperature_out_of_range,state:ready>fault', '-', 'clear:temperature_out_of_range,state:fault>ready'],
    ],
    [
      'freezing clears only at 2 °C',
      [{ tempC: 0 }, { tempC: -0.5 }, { tempC: 1 }, { tempC: 2 }],
      ['-', 'raise:temperature_out_of_range,state:ready>fault', '-', 'clear:temperature_out_of_range,state:fault>ready'],
    ],
    [
      'a failed self-test raises once and clears on a pass',
      [{ selfTest: 'pass' }, { selfTest: 'fail' }, { selfTest: 'fail' }, { selfTest: 'pass' }],
      ['-', 'raise:self_test_failed,state:ready>fault', '-', 'clear:self_test_failed,state:fault>ready'],
    ],
    [
      'two faults are two alerts, each cleared on its own',
      [{ bat: 10 }, { tempC: 60 }, { bat: 90 }, { tempC: 20 }],
      ['raise:battery_low,state:ready>fault', 'raise:temperature_out_of_range', 'clear:battery_low', 'clear:temperature_out_of_range,state:fault>ready'],
    ],
  ])('%s', (_name, samples, expected) => {
    expect(readings(samples)).toEqual(expected);
  });

  it('raises a medium fault for the guardian, keyed by the fault', () => {
    const h = createCabinetHarness({ startMs: T0 });
    h.clock.advanceMs(60_000);
    const [raise] = h.read({ bat: 12 });
    expect(raise).toEqual({
      type: 'raise',
      kind: 'aed_fault',
      dedupKey: 'aed_fault:a1:battery_low',
      subject: 'a1',
      grid: 'g1',
      occurredAtMs: T0 + 60_000,
      severity: 'medium',
      details: {
        faultKey: 'battery_low',
        deviceId: 'aed-cab-01',
        guardian: 'w2',
        serial: 'SN-1',
        sinceMs: T0 + 60_000,
        bat: 12,
        belowPct: 20,
        clearAtPct: 25,
      },
    });
  });

  it('takes the self_test_fail event and the status battery level too', () => {
    const h = createCabinetHarness({ startMs: T0 });
    h.clock.advanceMs(1000);
    expect(labels(h.event('self_test_fail'))).toEqual(['raise:self_test_failed', 'state:ready>fault']);
    h.clock.advanceMs(1000);
    expect(labels(h.status(true, 18))).toEqual(['raise:battery_low']);
    h.clock.advanceMs(1000);
    expect(labels(h.read({ selfTest: 'pass' }))).toEqual(['clear:self_test_failed']);
    expect(h.engine.cabinet('a1')?.lastSelfTest).toEqual({ result: 'pass', atMs: T0 + 3000 });
  });

  it('honours overridden thresholds', () => {
    const h = createCabinetHarness({ startMs: T0, deps: { rules: { batteryLowBelowPct: 30, batteryClearAtPct: 40 } } });
    h.clock.advanceMs(1000);
    expect(labels(h.read({ bat: 29 }))).toEqual(['raise:battery_low', 'state:ready>fault']);
    h.clock.advanceMs(1000);
    expect(labels(h.read({ bat: 39 }))).toEqual([]);
  });
});

describe('aed_fault: maintenance', () => {
  it('raises nothing new during maintenance, and what still holds when it ends', () => {
    const h = createCabinetHarness({ startMs: T0 });
    h.clock.advanceMs(1000);
    h.event('maintenance_start');
    h.clock.advanceMs(1000);
    // The technician pulls the battery.
    expect(labels(h.read({ bat: 0, selfTest: 'fail' }))).toEqual([]);
    h.clock.advanceMs(1000);
    expect(labels(h.read({ bat: 100 }))).toEqual([]);
    h.clock.advanceMs(1000);
    expect(labels(h.event('maintenance_end'))).toEqual(['raise:self_test_failed', 'state:maintenance>fault']);
  });

  it('still clears a fault that is fixed during maintenance', () => {
    const h = createCabinetHarness({ startMs: T0 });
    h.clock.advanceMs(1000);
    h.read({ bat: 5 });
    h.event('maintenance_start');
    h.clock.advanceMs(1000);
    expect(labels(h.read({ bat: 100 }))).toEqual(['clear:battery_low']);
    h.clock.advanceMs(1000);
    expect(labels(h.event('maintenance_end'))).toEqual(['state:maintenance>ready']);
  });
});

describe('aed_fault: no heartbeat for 24 hours', () => {
  it('goes offline exactly 24 h after the last message, once, and back when a message arrives', () => {
    const h = createCabinetHarness({ startMs: T0 });
    h.read({ bat: 90 });
    h.run(T0 + DAY_MS - 60_000, 60_000);
    expect(h.log).toEqual([]);
    h.run(T0 + 4 * DAY_MS, 60_000);
    expect(h.times('raise:no_heartbeat')).toEqual(['raise:no_heartbeat@2025-03-11T10:00']);
    expect(h.times('state:ready>offline')).toEqual(['state:ready>offline@2025-03-11T10:00']);
    expect(h.engine.summaries().a1?.status).toBe('offline');
    h.clock.advanceMs(1000);
    expect(labels(h.status(true))).toEqual(['clear:no_heartbeat', 'state:offline>ready']);
  });

  it('counts from tracking when the cabinet never spoke, and a Last Will is no heartbeat', () => {
    const h = createCabinetHarness({ startMs: T0 });
    h.run(T0 + 12 * HOUR_MS, 60_000);
    h.status(false);
    h.run(T0 + DAY_MS, 60_000);
    expect(h.times('raise:no_heartbeat')).toEqual(['raise:no_heartbeat@2025-03-11T10:00']);
    expect(firstRaise(h.log)?.details).toMatchObject({ lastMessageAtMs: null, silentForS: 86_400 });
  });

  it('a steady heartbeat keeps it ready for a week', () => {
    const h = createCabinetHarness({ startMs: T0 });
    h.run(T0 + 7 * DAY_MS, 10 * 60_000, 6 * HOUR_MS);
    expect(h.log).toEqual([]);
  });

  it('an opening clears offline too: the cabinet spoke', () => {
    const h = createCabinetHarness({ startMs: T0 });
    h.run(T0 + DAY_MS, HOUR_MS);
    h.clock.advanceMs(1000);
    expect(labels(h.event('door_open'))).toEqual(['raise:aed_opened', 'clear:no_heartbeat', 'state:offline>in_use']);
  });
});

describe('aed_fault: the daily expiry check', () => {
  it('raises pads expiring within 30 days once, at the first check of that day, and notes the expiry day', () => {
    const start = shanghai('2025-03-01T10:00:00');
    const h = createCabinetHarness({ startMs: start, aed: makeAed({ padsExpiry: '2025-04-20' }) });
    expect(h.initial).toEqual([]);
    h.run(shanghai('2025-05-20T00:00:00'), HOUR_MS, 6 * HOUR_MS);
    // 2025-03-21 is 30 days before 2025-04-20; the pads are past their date from 2025-04-21.
    expect(h.times('raise:pads_expiring')).toEqual(['raise:pads_expiring@2025-03-21T00:00']);
    expect(h.times('note:pads_expiring')).toEqual(['note:pads_expiring@2025-04-21T00:00']);
    expect(h.log.filter((t) => t.outcome.type !== 'stateChanged').length).toBe(2);
    expect(firstRaise(h.log)?.details).toMatchObject({ faultKey: 'pads_expiring', expiresOn: '2025-04-20', daysLeft: 30, expired: false });
  });

  it('clears when the registry date is updated, at once', () => {
    const start = shanghai('2025-04-01T10:00:00');
    const h = createCabinetHarness({ startMs: start, aed: makeAed({ padsExpiry: '2025-04-20', batteryExpiry: '2025-04-25' }) });
    expect(labels(h.initial)).toEqual(['raise:pads_expiring', 'raise:battery_expiring']);
    h.clock.advanceMs(HOUR_MS);
    expect(labels(h.update({ padsExpiry: '2027-04-01' }))).toEqual(['clear:pads_expiring']);
    h.clock.advanceMs(HOUR_MS);
    expect(labels(h.update({ batteryExpiry: '2029-01-01' }))).toEqual(['clear:battery_expiring']);
    h.run(start + 60 * DAY_MS, HOUR_MS, 6 * HOUR_MS);
    expect(h.log.length).toBe(4);
  });

  it('a date moved within the 30 days keeps the one alert', () => {
    const h = createCabinetHarness({ startMs: shanghai('2025-04-01T10:00:00'), aed: makeAed({ padsExpiry: '2025-04-20' }) });
    h.clock.advanceMs(HOUR_MS);
    expect(h.update({ padsExpiry: '2025-04-25' })).toEqual([]);
    expect(h.engine.cabinet('a1')?.active.pads_expiring?.details).toMatchObject({ expiresOn: '2025-04-25', daysLeft: 24 });
  });

  it("the cabinet's own pads date counts when it changed last", () => {
    const h = createCabinetHarness({ startMs: shanghai('2025-04-01T10:00:00'), aed: makeAed({ padsExpiry: '2027-01-01' }) });
    h.clock.advanceMs(1000);
    expect(labels(h.read({ padsExpiry: '2025-04-15' }))).toEqual(['raise:pads_expiring']);
    h.clock.advanceMs(1000);
    expect(labels(h.read({ padsExpiry: '2025-04-15' }))).toEqual([]);
    h.clock.advanceMs(1000);
    expect(labels(h.read({ padsExpiry: '2027-03-01' }))).toEqual(['clear:pads_expiring']);
    expect(h.engine.summaries().a1?.padsExpiry).toBe('2027-03-01');
    h.clock.advanceMs(1000);
    // Then the registry is edited: now that is the latest word.
    expect(labels(h.update({ padsExpiry: '2025-04-10' }))).toEqual(['raise:pads_expiring']);
    expect(h.engine.summaries().a1?.padsExpiry).toBe('2025-04-10');
  });

  it('reads a pads date-time the cabinet reports', () => {
    const h = createCabinetHarness({ startMs: shanghai('2025-04-01T10:00:00') });
    h.clock.advanceMs(1000);
    expect(labels(h.read({ padsExpiry: '2025-04-15T00:00:00Z' }))).toEqual(['raise:pads_expiring']);
  });

  it('is one alert for all of its 30 days, not one per day', () => {
    const h = createCabinetHarness({ startMs: shanghai('2025-03-25T10:00:00'), aed: makeAed({ batteryExpiry: '2025-04-10' }) });
    h.run(shanghai('2025-04-10T23:00:00'), HOUR_MS, HOUR_MS);
    expect(labels(h.log.map((t) => t.outcome))).toEqual(['raise:battery_expiring']);
  });
});
