import { describe, expect, it } from 'vitest';
import type { AedEventType, AedValues } from '../../../sensors/index.js';
import { createCabinetHarness, labels, shanghai } from './fixtures.js';

const T0 = shanghai('2025-03-10T10:00:00');

/** An event by name, a telemetry message, or the guardian confirming a restock. */
type Input = AedEventType | AedValues | 'restock';

/** Feeds the inputs ten seconds apart and returns each one's outcomes as labels. */
function play(inputs: Input[]): string[][] {
  const h = createCabinetHarness({ startMs: T0 });
  return inputs.map((input) => {
    h.clock.advanceMs(10_000);
    if (input === 'restock') return labels(h.confirmRestock());
    return labels(typeof input === 'string' ? h.event(input) : h.read(input));
  });
}

const OPENED = ['raise:aed_opened', 'state:ready>in_use'];
const BACK = ['note:aed_opened', 'restock', 'state:in_use>ready'];

describe('aed_opened: the cabinet state machine', () => {
  it.each<[string, Input[], string[][]]>([
    ['door opens, closes with the AED inside', ['door_open', 'door_closed'], [OPENED, BACK]],
    [
      'AED taken, door closed behind it, AED put back',
      ['door_open', 'aed_removed', 'door_closed', 'aed_returned'],
      [OPENED, ['note:aed_opened'], [], BACK],
    ],
    ['AED taken without a door event', ['aed_removed', 'door_open', 'aed_returned'], [OPENED, [], BACK]],
    ['a door that opens twice raises once', ['door_open', 'door_open', 'door_closed'], [OPENED, [], BACK]],
    ['a second use after the first ended raises again', ['door_open', 'door_closed', 'door_open'], [OPENED, BACK, OPENED]],
    [
      'telemetry: door open, then closed with the AED present',
      [{ door: 'closed', present: true }, { door: 'open' }, { door: 'closed', present: true }],
      [[], OPENED, BACK],
    ],
    [
      'telemetry: AED leaves and comes back in one message with the door',
      [{ door: 'closed', present: true }, { door: 'open', present: false }, { present: true }, { door: 'closed' }],
      [[], OPENED, [], BACK],
    ],
    [
      'telemetry: the AED back behind a closed door ends the use',
      [{ door: 'closed', present: true }, { present: false }, { present: true }],
      [[], OPENED, BACK],
    ],
    ['a door first seen open is not an opening', [{ door: 'open' }, { door: 'open' }], [[], []]],
    [
      'the guardian confirms a restock: back to ready, nobody asked to restock',
      ['door_open', 'aed_removed', 'restock'],
      [OPENED, ['note:aed_opened'], ['note:aed_opened', 'state:in_use>ready']],
    ],
    ['a restock confirmation after the use only notes it', ['door_open', 'door_closed', 'restock', 'restock'], [OPENED, BACK, ['note:aed_opened'], []]],
    [
      'maintenance: opening the door and taking the AED raise nothing',
      ['maintenance_start', 'door_open', 'aed_removed', 'door_closed', 'aed_returned', 'maintenance_end'],
      [['state:ready>maintenance'], [], [], [], [], ['state:maintenance>ready']],
    ],
    [
      'maintenance starting during a use ends it without a restock request',
      ['door_open', 'maintenance_start', 'maintenance_end'],
      [OPENED, ['note:aed_opened', 'state:in_use>maintenance'], ['state:maintenance>ready']],
    ],
    ['after maintenance, the next opening raises', ['maintenance_start', 'maintenance_end', 'door_open'], [['state:ready>maintenance'], ['state:maintenance>ready'], OPENED]],
  ])('%s', (_name, inputs, expected) => {
    expect(play(inputs)).toEqual(expected);
  });

  it('raises a critical alert saying where the cabinet is', () => {
    const h = createCabinetHarness({ startMs: T0 });
    h.clock.advanceMs(1000);
    const [raise] = h.event('door_open');
    expect(raise).toEqual({
      type: 'raise',
      kind: 'aed_opened',
      dedupKey: 'aed_opened:a1',
      subject: 'a1',
      grid: 'g1',
      occurredAtMs: T0 + 1000,
      severity: 'critical',
      details: {
        openingId: `a1@${T0 + 1000}`,
        trigger: 'door_open',
        deviceId: 'aed-cab-01',
        lat: 30.2661,
        lon: 120.1549,
        floor: 'ground',
        description: 'Community health station, left of the entrance',
        guardian: 'w2',
      },
    });
    expect(h.engine.cabinet('a1')?.status).toBe('in_use');
  });

  it('asks the guardian to restock after a use, saying whether the AED left the cabinet', () => {
    const h = createCabinetHarness({ startMs: T0 });
    h.event('door_open');
    h.clock.advanceMs(5 * 60_000);
    h.event('aed_removed');
    h.clock.advanceMs(20 * 60_000);
    const restock = h.event('aed_returned').find((o) => o.type === 'restockRequested');
    expect(restock).toMatchObject({
      guardian: 'w2',
      dedupKey: 'aed_opened:a1',
      details: { openingId: `a1@${T0}`, reason: 'aed_returned', inUseForS: 25 * 60, aedRemoved: true },
    });
    expect(h.engine.summaries().a1).toMatchObject({ status: 'ready', restockPending: true });
    h.confirmRestock();
    expect(h.engine.summaries().a1?.restockPending).toBe(false);
  });

  it('ends maintenance left running after 12 hours, so real openings raise again', () => {
    const h = createCabinetHarness({ startMs: T0 });
    h.event('maintenance_start');
    h.run(T0 + 12 * 3_600_000 - 60_000, 60_000, 3_600_000);
    expect(h.engine.cabinet('a1')?.status).toBe('maintenance');
    h.run(T0 + 12 * 3_600_000, 60_000);
    expect(h.times('state:maintenance>ready')).toEqual(['state:maintenance>ready@2025-03-10T22:00']);
    expect(h.log.at(-1)?.outcome).toMatchObject({ type: 'stateChanged', reason: 'maintenance_timed_out' });
    h.clock.advanceMs(1000);
    expect(labels(h.event('door_open'))).toEqual(OPENED);
  });

  it('ignores messages from other kinds of device', () => {
    const h = createCabinetHarness({ startMs: T0 });
    const bracelet = { kind: 'bracelet' as const, deviceId: 'b-1', tsMs: T0, receivedAtMs: T0, event: { type: 'sos' as const } };
    expect(h.engine.onEvent(bracelet, h.aed)).toEqual([]);
  });
});
