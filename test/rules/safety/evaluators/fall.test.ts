import { describe, expect, it } from 'vitest';
import { createHarness, labels, makeResident } from '../fixtures.js';

const T0 = Date.parse('2025-03-10T02:00:00Z');

describe('fall', () => {
  it.each([
    [0.59, []],
    [0.6, ['pending:fall']],
    [0.95, ['pending:fall']],
  ])('confidence %f gives %j', (confidence, expected) => {
    const h = createHarness({ startMs: T0 });
    expect(labels(h.event({ type: 'fall', confidence }))).toEqual(expected);
  });

  it('holds the fall for the cancel window, then raises it critical, once', () => {
    const h = createHarness({ startMs: T0 });
    const [pending] = h.event({ type: 'fall', confidence: 0.8, lat: 30.1, lon: 120.2 });
    expect(pending).toMatchObject({ type: 'pending', kind: 'fall', severity: 'critical', untilMs: T0 + 30_000, subject: 'r1', grid: 'g1' });
    h.clock.set(T0 + 29_999);
    expect(h.tick()).toEqual([]);
    h.clock.set(T0 + 30_000);
    const raised = h.tick();
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({
      type: 'raise',
      kind: 'fall',
      severity: 'critical',
      occurredAtMs: T0 + 30_000,
      details: { fallAtMs: T0, confidence: 0.8, lat: 30.1, lon: 120.2, cancelWindowS: 30, deviceId: 'b-0001' },
    });
    h.clock.set(T0 + 60_000);
    expect(h.tick()).toEqual([]);
  });

  it.each([
    ['at once', 0, ['falseAlarm:fall']],
    ['just inside', 29_999, ['falseAlarm:fall']],
    ['at the end of the window', 30_000, ['raise:fall', 'note:fall']],
    ['after the window', 45_000, ['raise:fall', 'note:fall']],
    // Without a tick the fall is raised at the cancel's arrival, so the cancel is still noted on it.
    ['long after', 11 * 60_000, ['raise:fall', 'note:fall']],
  ])('a cancel %s (+%i ms, no tick in between)', (_name, afterMs, expected) => {
    const h = createHarness({ startMs: T0 });
    h.event({ type: 'fall', confidence: 0.9 });
    h.clock.set(T0 + afterMs);
    const outcomes = h.event({ type: 'cancel' });
    expect(labels(outcomes)).toEqual(expected);
    h.clock.set(T0 + 12 * 60_000);
    // A cancelled fall never raises later.
    expect(labels(h.tick()).filter((l) => l === 'raise:fall')).toEqual([]);
  });

  it('reports the false alarm with when the fall and the cancel happened', () => {
    const h = createHarness({ startMs: T0 });
    h.event({ type: 'fall', confidence: 0.7 });
    h.clock.set(T0 + 12_000);
    expect(h.event({ type: 'cancel' })).toEqual([
      {
        type: 'falseAlarm',
        kind: 'fall',
        subject: 'r1',
        grid: 'g1',
        occurredAtMs: T0 + 12_000,
        details: { deviceId: 'b-0001', fallAtMs: T0, cancelledAtMs: T0 + 12_000, confidence: 0.7 },
      },
    ]);
  });

  it('does not extend the window for a second fall inside it, and raises once with the higher confidence', () => {
    const h = createHarness({ startMs: T0 });
    h.event({ type: 'fall', confidence: 0.7 });
    h.clock.set(T0 + 20_000);
    expect(h.event({ type: 'fall', confidence: 0.9 })).toEqual([]);
    h.clock.set(T0 + 30_000);
    const outcomes = h.tick();
    expect(labels(outcomes)).toEqual(['raise:fall']);
    expect(outcomes[0]?.details.confidence).toBe(0.9);
  });

  it('raises at once with a zero cancel window', () => {
    const h = createHarness({ startMs: T0, config: { rules: { fall: { cancelWindowS: 0 } } } });
    const outcomes = h.event({ type: 'fall', confidence: 0.9 });
    expect(labels(outcomes)).toEqual(['raise:fall']);
    expect(outcomes[0]?.occurredAtMs).toBe(T0);
  });

  it('uses the resident window and confidence over the grid and the defaults', () => {
    const resident = makeResident({ thresholds: { fall: { cancelWindowS: 60, minConfidence: 0.5 } } });
    const h = createHarness({ startMs: T0, resident, config: { grids: { g1: { fall: { cancelWindowS: 10 } } } } });
    expect(labels(h.event({ type: 'fall', confidence: 0.55 }))).toEqual(['pending:fall']);
    h.clock.set(T0 + 59_000);
    expect(h.tick()).toEqual([]);
    h.clock.set(T0 + 60_000);
    expect(labels(h.tick())).toEqual(['raise:fall']);
  });

  it('fires a due fall on the next message even without a tick', () => {
    const h = createHarness({ startMs: T0 });
    h.event({ type: 'fall', confidence: 0.9 });
    h.clock.set(T0 + 31_000);
    expect(labels(h.read({ hr: 80 }))).toEqual(['raise:fall']);
  });

  it.each([
    ['within the note window', 600_000, ['note:fall']],
    ['after the note window', 600_001, []],
  ])('a cancel after a raised fall is only a note (%s)', (_name, afterRaiseMs, expected) => {
    const h = createHarness({ startMs: T0 });
    h.event({ type: 'fall', confidence: 0.9 });
    h.clock.set(T0 + 30_000);
    h.tick();
    h.clock.set(T0 + 30_000 + afterRaiseMs);
    expect(labels(h.event({ type: 'cancel' }))).toEqual(expected);
  });

  it('ignores a cancel when nothing is pending', () => {
    const h = createHarness({ startMs: T0 });
    expect(h.event({ type: 'cancel' })).toEqual([]);
  });

  it('raises a new fall after an earlier one was cancelled', () => {
    const h = createHarness({ startMs: T0 });
    h.event({ type: 'fall', confidence: 0.9 });
    h.clock.set(T0 + 5_000);
    h.event({ type: 'cancel' });
    h.clock.set(T0 + 60_000);
    expect(labels(h.event({ type: 'fall', confidence: 0.9 }))).toEqual(['pending:fall']);
    h.clock.set(T0 + 90_000);
    expect(labels(h.tick())).toEqual(['raise:fall']);
  });
});
