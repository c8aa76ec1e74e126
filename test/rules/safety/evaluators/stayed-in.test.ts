import { describe, expect, it } from 'vitest';
import type { BraceletValues } from '../../../../sensors/index.js';
import { HOME, createHarness, makeResident, north, shanghai } from '../fixtures.js';

const INSIDE: BraceletValues = { ...north(HOME, 10), acc: 15, worn: true };
const OUTSIDE: BraceletValues = { ...north(HOME, 250), acc: 10, worn: true };

function scenario(values: (atMs: number) => BraceletValues, until: string, resident = makeResident()): string[] {
  const start = shanghai('2025-03-10T08:00:00');
  const h = createHarness({ startMs: start, resident });
  h.read(values(start));
  h.run(shanghai(until), { tickS: 60, readS: 900, values });
  return h.times('stayed_in');
}

const from = (local: string, v: BraceletValues, before: BraceletValues = INSIDE) => (ms: number) =>
  ms >= shanghai(local) ? v : before;
const only = (local: string, v: BraceletValues) => (ms: number) => (ms === shanghai(local) ? v : INSIDE);

describe('stayed_in', () => {
  it('raises medium after exactly 12 waking hours at home', () => {
    expect(scenario(() => INSIDE, '2025-03-10T19:59:00')).toEqual([]);
    expect(scenario(() => INSIDE, '2025-03-10T21:00:00')).toEqual(['raise@20:00:00']);
  });

  it.each([
    // Out at 14:00: 8 waking hours to 22:00, the night does not count, 4 more from 07:00.
    ['a confident fix outside resets', only('2025-03-10T14:00:00', OUTSIDE), ['raise@11:00:00']],
    ['an indoor fix drifting past the fence is not an outing', only('2025-03-10T14:00:00', { ...north(HOME, 80), acc: 30 }), ['raise@20:00:00']],
    ['a fix 80 m out with 15 m accuracy is an outing', only('2025-03-10T14:00:00', { ...north(HOME, 80), acc: 15 }), ['raise@11:00:00']],
    ['a fix from a bracelet off the wrist is not', only('2025-03-10T14:00:00', { ...OUTSIDE, worn: false }), ['raise@20:15:00']],
    ['readings without a location keep counting', () => ({ worn: true, hr: 70 }), ['raise@20:00:00']],
    ['going out and staying out never raises', from('2025-03-10T10:00:00', OUTSIDE), []],
  ])('%s', (_name, values, expected) => {
    expect(scenario(values, '2025-03-11T12:00:00')).toEqual(expected);
  });

  it('does not count the night at home', () => {
    // Last seen out at 18:45 (fixes every 15 min): 3 h 15 that evening, then 8 h 45 from 07:00.
    expect(scenario(from('2025-03-10T19:00:00', INSIDE, OUTSIDE), '2025-03-11T15:44:00')).toEqual([]);
    expect(scenario(from('2025-03-10T19:00:00', INSIDE, OUTSIDE), '2025-03-11T17:00:00')).toEqual(['raise@15:45:00']);
  });

  it('clears when the resident goes out', () => {
    expect(scenario(from('2025-03-10T21:00:00', OUTSIDE), '2025-03-10T22:00:00')).toEqual(['raise@20:00:00', 'clear@21:00:00']);
  });

  it('needs a home geofence', () => {
    const { home: _home, ...noHome } = makeResident();
    expect(scenario(() => INSIDE, '2025-03-11T03:00:00', noHome)).toEqual([]);
  });

  it('pauses while the bracelet is off the wrist', () => {
    const values = (ms: number) =>
      ms >= shanghai('2025-03-10T10:00:00') && ms < shanghai('2025-03-10T13:00:00') ? { ...INSIDE, worn: false } : INSIDE;
    // 2 h before and 9 h after the 3 h off the wrist, then 1 more the next morning.
    expect(scenario(values, '2025-03-11T12:00:00')).toEqual(['raise@08:00:00']);
  });

  it('takes a per-grid window', () => {
    const start = shanghai('2025-03-10T08:00:00');
    const h = createHarness({ startMs: start, config: { grids: { g1: { stayedIn: { afterS: 3600 } } } } });
    h.read(INSIDE);
    h.run(shanghai('2025-03-10T10:00:00'), { tickS: 60, readS: 900, values: () => INSIDE });
    expect(h.times('stayed_in')).toEqual(['raise@09:00:00']);
  });
});
