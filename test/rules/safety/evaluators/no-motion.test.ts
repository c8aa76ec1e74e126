import { describe, expect, it } from 'vitest';
import type { BraceletValues } from '../../../../sensors/index.js';
import { HOUR_MS, createHarness, makeResident, shanghai } from '../fixtures.js';

const STILL: BraceletValues = { motion: 0, worn: true };

/** Readings every 10 min, ticks every minute, from start until until (Shanghai wall times). */
function scenario(
  start: string,
  until: string,
  values: (atMs: number) => BraceletValues | null = () => STILL,
  options: Parameters<typeof createHarness>[0] | null = null,
): string[] {
  const h = createHarness(options ?? { startMs: shanghai(start) });
  h.clock.set(shanghai(start));
  const first = values(h.clock.now());
  if (first !== null) h.read(first);
  h.run(shanghai(until), { tickS: 60, readS: 600, values });
  return h.times('no_motion');
}

const at = (local: string, v: BraceletValues) => (ms: number) => (ms === shanghai(local) ? v : STILL);

describe('no_motion', () => {
  it('raises after exactly 4 h of waking stillness, not a minute before', () => {
    expect(scenario('2025-03-10T08:00:00', '2025-03-10T11:59:00')).toEqual([]);
    expect(scenario('2025-03-10T08:00:00', '2025-03-10T13:00:00')).toEqual(['raise@12:00:00']);
  });

  it.each([
    ['motion 0.3 resets', at('2025-03-10T11:00:00', { motion: 0.3 }), ['raise@15:00:00']],
    ['motion 0.05 (the threshold) resets', at('2025-03-10T11:00:00', { motion: 0.05 }), ['raise@15:00:00']],
    ['motion 0.04 does not', at('2025-03-10T11:00:00', { motion: 0.04 }), ['raise@12:00:00']],
    ['new steps reset', (ms: number) => ({ ...STILL, steps: ms >= shanghai('2025-03-10T11:00:00') ? 130 : 120 }), ['raise@15:00:00']],
    ['an unchanged step count does not', () => ({ ...STILL, steps: 120 }), ['raise@12:00:00']],
    ['movement of a bracelet off the wrist does not', at('2025-03-10T11:00:00', { motion: 0.9, worn: false }), ['raise@12:10:00']],
  ])('%s', (_name, values, expected) => {
    expect(scenario('2025-03-10T08:00:00', '2025-03-10T16:00:00', values)).toEqual(expected);
  });

  it('clears on the first movement after raising, with the stillness it saw', () => {
    const h = createHarness({ startMs: shanghai('2025-03-10T08:00:00') });
    h.read(STILL);
    h.run(shanghai('2025-03-10T12:30:00'), { tickS: 60, readS: 600, values: () => STILL });
    const [clear] = h.read({ motion: 0.4 });
    expect(clear).toMatchObject({ type: 'clear', kind: 'no_motion', details: { stillForS: 4.5 * 3600 } });
    const raise = h.log.find((t) => t.outcome.type === 'raise' && t.outcome.kind === 'no_motion')?.outcome;
    expect(raise).toMatchObject({ severity: 'high', details: { stillForS: 4 * 3600, afterS: 14_400, lastMotionAtMs: null } });
  });

  it('does not count sleep hours: 2 h in the evening plus 2 h in the morning', () => {
    expect(scenario('2025-03-10T20:00:00', '2025-03-11T10:00:00')).toEqual(['raise@09:00:00']);
  });

  it('never raises overnight', () => {
    expect(scenario('2025-03-10T22:00:00', '2025-03-11T06:59:00')).toEqual([]);
  });

  it('does not raise for a bracelet on its charger', () => {
    expect(scenario('2025-03-10T08:00:00', '2025-03-10T20:00:00', () => ({ motion: 0, worn: false }))).toEqual([]);
  });

  it('does not count data silence as stillness', () => {
    // One reading at 08:00, then nothing: only the first 30 min (maxGapS) count.
    expect(scenario('2025-03-10T08:00:00', '2025-03-10T20:00:00', (ms) => (ms === shanghai('2025-03-10T08:00:00') ? STILL : null))).toEqual([]);
  });

  it('takes the resident thresholds and waking hours', () => {
    const resident = makeResident({ thresholds: { noMotion: { afterS: 3600, wakingHours: '05:00-21:00' } } });
    const options = { startMs: shanghai('2025-03-10T05:00:00'), resident };
    expect(scenario('2025-03-10T05:00:00', '2025-03-10T07:00:00', () => STILL, options)).toEqual(['raise@06:00:00']);
  });

  // The same UTC stretch of stillness, deployed in three zones with 07:00-22:00 waking hours.
  it.each([
    ['Asia/Shanghai', '2025-06-01T04:00:00Z'],
    ['Europe/London', '2025-06-01T10:00:00Z'],
    ['America/New_York', '2025-06-01T13:00:00Z'],
  ])('waking hours follow the deployment time zone: %s raises at %s', (timeZone, expectedIso) => {
    const start = Date.parse('2025-06-01T00:00:00Z');
    const h = createHarness({ startMs: start, timeZone });
    h.read(STILL);
    h.run(start + 15 * HOUR_MS, { tickS: 60, readS: 600, values: () => STILL });
    const raises = h.log.filter((t) => t.outcome.kind === 'no_motion' && t.outcome.type === 'raise');
    expect(raises.map((t) => new Date(t.atMs).toISOString())).toEqual([new Date(Date.parse(expectedIso)).toISOString()]);
  });
});
