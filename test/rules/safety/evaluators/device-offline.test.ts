import { describe, expect, it } from 'vitest';
import { MINUTE_MS, createHarness, labels, ofKind } from '../fixtures.js';

const T0 = Date.parse('2025-03-10T02:00:00Z');

describe('device_offline', () => {
  it('raises medium after exactly 30 min of silence since tracking, once', () => {
    const h = createHarness({ startMs: T0 });
    h.engine.track(h.resident, T0);
    h.clock.set(T0 + 30 * MINUTE_MS - 1);
    expect(h.tick()).toEqual([]);
    h.clock.set(T0 + 30 * MINUTE_MS);
    expect(h.tick()).toEqual([
      {
        type: 'raise',
        kind: 'device_offline',
        severity: 'medium',
        subject: 'r1',
        grid: 'g1',
        occurredAtMs: T0 + 30 * MINUTE_MS,
        details: { deviceId: null, lastMessageAtMs: null, silentForS: 1800, afterS: 1800 },
      },
    ]);
    h.clock.set(T0 + 90 * MINUTE_MS);
    expect(h.tick()).toEqual([]);
  });

  it.each([
    ['a reading', (h: ReturnType<typeof createHarness>) => h.read({ hr: 70 })],
    ['an event', (h: ReturnType<typeof createHarness>) => h.event({ type: 'cancel' })],
    ['an online status', (h: ReturnType<typeof createHarness>) => h.status(true, 80)],
  ])('%s is a sign of life: restarts the silence and clears', (_name, send) => {
    const h = createHarness({ startMs: T0 });
    h.read({ hr: 70 });
    h.clock.advanceMs(20 * MINUTE_MS);
    send(h);
    h.clock.advanceMs(29 * MINUTE_MS);
    expect(ofKind(h.tick(), 'device_offline')).toEqual([]);
    h.clock.advanceMs(MINUTE_MS);
    expect(labels(ofKind(h.tick(), 'device_offline'))).toEqual(['raise:device_offline']);
    h.clock.advanceMs(MINUTE_MS);
    const [clear] = ofKind(send(h), 'device_offline');
    expect(clear).toMatchObject({ type: 'clear', details: { silentForS: 31 * 60 } });
  });

  it('does not count a Last Will as a sign of life, and does not raise on it alone', () => {
    const h = createHarness({ startMs: T0 });
    h.read({ hr: 70 });
    h.clock.advanceMs(5 * MINUTE_MS);
    expect(ofKind(h.status(false), 'device_offline')).toEqual([]);
    h.clock.set(T0 + 30 * MINUTE_MS);
    const [raise] = ofKind(h.tick(), 'device_offline');
    expect(raise).toMatchObject({ type: 'raise', details: { lastMessageAtMs: T0, silentForS: 1800, deviceId: 'b-0001' } });
    h.clock.advanceMs(MINUTE_MS);
    expect(ofKind(h.status(false), 'device_offline')).toEqual([]);
  });

  it('takes a resident window', () => {
    const h = createHarness({ startMs: T0, resident: { id: 'r1', grid: 'g1', thresholds: { deviceOffline: { afterS: 600 } } } });
    h.read({ hr: 70 });
    h.clock.advanceMs(10 * MINUTE_MS);
    expect(labels(ofKind(h.tick(), 'device_offline'))).toEqual(['raise:device_offline']);
  });
});
