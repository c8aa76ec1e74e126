import { describe, expect, it } from 'vitest';
import { accumulate } from '../../../rules/safety/accumulator.js';
import { createLocalTime } from '../../../rules/safety/local-time.js';
import { HOUR_MS, MINUTE_MS, shanghai } from './fixtures.js';

const local = createLocalTime('Asia/Shanghai');
const T0 = shanghai('2025-03-10T08:00:00');

describe('accumulate', () => {
  it.each([
    ['holding, fresh', true, T0 + 2 * HOUR_MS, undefined, 1 * HOUR_MS],
    ['not holding', false, T0 + 2 * HOUR_MS, undefined, 0],
    ['stale after 30 min', true, T0 + 30 * MINUTE_MS, undefined, 30 * MINUTE_MS],
    ['stale before the interval', true, T0 - MINUTE_MS, undefined, 0],
    ['only waking time', true, Number.POSITIVE_INFINITY, { startMin: 8 * 60 + 30, endMin: 22 * 60 }, 30 * MINUTE_MS],
  ])('%s', (_name, holding, freshUntilMs, window, expectedMs) => {
    const acc = { totalMs: 5, countedUntilMs: T0 };
    const input = { nowMs: T0 + HOUR_MS, holding, freshUntilMs, local };
    const next = accumulate(acc, window === undefined ? input : { ...input, window });
    expect(next).toEqual({ totalMs: 5 + expectedMs, countedUntilMs: T0 + HOUR_MS });
  });

  it('never counts backwards', () => {
    const acc = { totalMs: 10, countedUntilMs: T0 };
    expect(accumulate(acc, { nowMs: T0 - HOUR_MS, holding: true, freshUntilMs: Infinity, local })).toBe(acc);
  });
});
