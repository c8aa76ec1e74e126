import { describe, expect, it } from 'vitest';
import { createHarness, ofKind } from '../fixtures.js';

const T0 = Date.parse('2025-03-10T02:00:00Z');

/** Battery levels one minute apart, from readings ('r') or status messages ('s'). */
function levels(samples: [('r' | 's'), number][]): string[] {
  const h = createHarness({ startMs: T0 });
  return samples.map(([via, bat]) => {
    h.clock.advanceS(60);
    const outcomes = via === 'r' ? h.read({ bat }) : h.status(true, bat);
    return ofKind(outcomes, 'battery_low').map((o) => o.type).join(',') || '-';
  });
}

describe('battery_low', () => {
  it.each<[string, [('r' | 's'), number][], string[]]>([
    ['15 % is not low, 14.9 % is', [['r', 16], ['r', 15], ['r', 14.9]], ['-', '-', 'raise']],
    ['raises once while low', [['r', 14], ['r', 10], ['r', 5]], ['raise', '-', '-']],
    ['hovering below 20 % does not clear', [['r', 14], ['r', 16], ['r', 19.9], ['r', 14]], ['raise', '-', '-', '-']],
    ['20 % clears', [['r', 14], ['r', 20]], ['raise', 'clear']],
    ['status messages count too', [['s', 12], ['r', 13], ['s', 90]], ['raise', '-', 'clear']],
  ])('%s', (_name, samples, expected) => {
    expect(levels(samples)).toEqual(expected);
  });

  it('raises low with the level', () => {
    const h = createHarness({ startMs: T0 });
    expect(ofKind(h.read({ bat: 9 }), 'battery_low')).toMatchObject([
      { type: 'raise', severity: 'low', details: { bat: 9, belowPct: 15 } },
    ]);
  });
});
