import { describe, expect, it } from 'vitest';
import { createHarness, labels, ofKind } from '../fixtures.js';

const T0 = Date.parse('2025-03-10T02:00:00Z');

describe('sos', () => {
  it('raises critical at once with the location', () => {
    const h = createHarness({ startMs: T0 });
    expect(h.event({ type: 'sos', lat: 30.2, lon: 120.1 })).toEqual([
      {
        type: 'raise',
        kind: 'sos',
        severity: 'critical',
        subject: 'r1',
        grid: 'g1',
        occurredAtMs: T0,
        details: { deviceId: 'b-0001', lat: 30.2, lon: 120.1 },
      },
    ]);
  });

  it('is not cancellable: a cancel is noted, never a false alarm or a clear', () => {
    const h = createHarness({ startMs: T0 });
    h.event({ type: 'sos' });
    h.clock.advanceS(5);
    const outcomes = h.event({ type: 'cancel' });
    expect(labels(outcomes)).toEqual(['note:sos']);
    h.clock.advanceS(3600);
    expect(ofKind(h.tick(), 'sos')).toEqual([]);
  });

  it('raises again for every press (the alert service counts occurrences)', () => {
    const h = createHarness({ startMs: T0 });
    h.event({ type: 'sos' });
    h.clock.advanceS(10);
    expect(labels(h.event({ type: 'sos' }))).toEqual(['raise:sos']);
  });

  it('ignores events from other device kinds', () => {
    const h = createHarness({ startMs: T0 });
    const aed = { kind: 'aed' as const, deviceId: 'aed-1', tsMs: T0, receivedAtMs: T0, event: { type: 'door_open' as const } };
    expect(h.engine.onEvent(aed, h.resident)).toEqual([]);
  });
});
