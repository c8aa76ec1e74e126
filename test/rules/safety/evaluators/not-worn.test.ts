import { describe, expect, it } from 'vitest';
import type { BraceletValues } from '../../../../sensors/index.js';
import type { SafetyResident } from '../../../../rules/safety/index.js';
import { createHarness, makeResident, shanghai } from '../fixtures.js';

const OFF: BraceletValues = { worn: false, bat: 60 };
const ON: BraceletValues = { worn: true, motion: 0.2 };

function scenario(start: string, until: string, values: (ms: number) => BraceletValues, resident?: SafetyResident): string[] {
  const h = createHarness(resident === undefined ? { startMs: shanghai(start) } : { startMs: shanghai(start), resident });
  h.read(values(shanghai(start)));
  h.run(shanghai(until), { tickS: 60, readS: 600, values });
  return h.times('not_worn');
}

describe('not_worn', () => {
  it.each<[string, string, string, (ms: number) => BraceletValues, string[]]>([
    ['off for 2 waking hours raises', '2025-03-10T08:00:00', '2025-03-10T12:00:00', () => OFF, ['raise@10:00:00']],
    ['off for 1 h 59 min does not', '2025-03-10T08:00:00', '2025-03-10T09:59:00', () => OFF, []],
    ['charging overnight does not', '2025-03-10T22:00:00', '2025-03-11T07:00:00', () => OFF, []],
    ['1 h in the evening plus 1 h in the morning does', '2025-03-10T21:00:00', '2025-03-11T09:00:00', () => OFF, ['raise@08:00:00']],
    [
      'put back on clears',
      '2025-03-10T08:00:00',
      '2025-03-10T12:00:00',
      (ms) => (ms >= shanghai('2025-03-10T11:00:00') ? ON : OFF),
      ['raise@10:00:00', 'clear@11:00:00'],
    ],
    [
      'a short time on resets the count',
      '2025-03-10T08:00:00',
      '2025-03-10T12:00:00',
      (ms) => (ms === shanghai('2025-03-10T09:30:00') ? ON : OFF),
      ['raise@11:40:00'],
    ],
    ['readings that do not say leave the state as it was', '2025-03-10T08:00:00', '2025-03-10T12:00:00', (ms) => (ms === shanghai('2025-03-10T08:00:00') ? OFF : { bat: 50 }), ['raise@10:00:00']],
  ])('%s', (_name, start, until, values, expected) => {
    expect(scenario(start, until, values)).toEqual(expected);
  });

  it('is low by default and takes a per-resident severity and window', () => {
    const h = createHarness({ startMs: shanghai('2025-03-10T08:00:00') });
    h.read(OFF);
    h.run(shanghai('2025-03-10T10:00:00'), { tickS: 60, readS: 600, values: () => OFF });
    expect(h.log.find((t) => t.outcome.kind === 'not_worn')?.outcome).toMatchObject({ severity: 'low', details: { offForS: 7200 } });

    const resident = makeResident({ thresholds: { notWorn: { severity: 'medium', afterS: 1800 } } });
    const h2 = createHarness({ startMs: shanghai('2025-03-10T08:00:00'), resident });
    h2.read(OFF);
    h2.run(shanghai('2025-03-10T09:00:00'), { tickS: 60, readS: 600, values: () => OFF });
    expect(h2.times('not_worn')).toEqual(['raise@08:30:00']);
    expect(h2.log.find((t) => t.outcome.kind === 'not_worn')?.outcome).toMatchObject({ type: 'raise', severity: 'medium' });
  });
});
