import { describe, expect, it } from 'vitest';
import { openWatches, suspectsArrest, type ArrestWatch } from '../../../rules/aed/index.js';

const SINCE = Date.parse('2026-11-23T02:00:00Z');
const watch: ArrestWatch = { alertId: 'al1', resident: 'r1', kind: 'fall', sinceMs: SINCE };

describe('a suspected cardiac arrest after a fall or SOS', () => {
  it.each([
    ['worn, no motion, no pulse', 10, { worn: true, motion: 0 }, true],
    ['worn, no motion, a pulse', 10, { worn: true, motion: 0, hr: 38 }, false],
    ['worn, moving, no pulse', 10, { worn: true, motion: 0.1 }, false],
    ['not worn', 10, { worn: false, motion: 0 }, false],
    ['wear unknown', 10, { motion: 0 }, false],
    ['motion unknown', 10, { worn: true }, false],
    ['at the end of the window', 60, { worn: true, motion: 0 }, true],
    ['after the window', 61, { worn: true, motion: 0 }, false],
    ['before the alert', -1, { worn: true, motion: 0 }, false],
  ])('%s', (_what, afterS, values, expected) => {
    expect(suspectsArrest(watch, { tsMs: SINCE + afterS * 1000, values }, 60)).toBe(expected);
  });

  it('forgets watches whose window has passed', () => {
    const later = { ...watch, alertId: 'al2', sinceMs: SINCE + 30_000 };
    expect(openWatches([watch, later], SINCE + 70_000, 60)).toEqual([later]);
  });
});
