import { describe, expect, it } from 'vitest';
import type { RunSpec, RunState, Verdict } from '../../../rules/safety/run-condition.js';
import { stepRun } from '../../../rules/safety/run-condition.js';

/** Feeds [atS, matches] samples and returns the verdict after each. */
function verdicts(spec: RunSpec, samples: [number, boolean][]): Verdict[] {
  let run: RunState | null = null;
  return samples.map(([atS, matches]) => {
    const step = stepRun(run, matches, atS * 1000, spec);
    run = step.run;
    return step.verdict;
  });
}

describe('stepRun', () => {
  const duration: RunSpec = { forS: 120, repeats: 1, maxGapS: 600 };
  const repeating: RunSpec = { forS: 0, repeats: 2, maxGapS: 3600 };

  it.each<[string, RunSpec, [number, boolean][], Verdict[]]>([
    ['holds for exactly forS', duration, [[0, true], [60, true], [120, true]], ['notYetTrue', 'notYetTrue', 'true']],
    ['one sample short', duration, [[0, true], [60, true], [119, true]], ['notYetTrue', 'notYetTrue', 'notYetTrue']],
    ['broken and restarted', duration, [[0, true], [60, false], [90, true], [200, true], [210, true]], ['notYetTrue', 'false', 'notYetTrue', 'notYetTrue', 'true']],
    ['a gap restarts the run', duration, [[0, true], [601, true], [700, true], [721, true]], ['notYetTrue', 'notYetTrue', 'notYetTrue', 'true']],
    ['a gap of exactly maxGapS continues', duration, [[0, true], [600, true]], ['notYetTrue', 'true']],
    ['forS 0 is a simple condition', { forS: 0, repeats: 1, maxGapS: 60 }, [[0, false], [5, true]], ['false', 'true']],
    ['repeating needs the count', repeating, [[0, true], [1800, true]], ['notYetTrue', 'true']],
    ['repeating: too far apart', repeating, [[0, true], [3601, true], [3700, true]], ['notYetTrue', 'notYetTrue', 'true']],
    ['repeating: interrupted', repeating, [[0, true], [10, false], [20, true]], ['notYetTrue', 'false', 'notYetTrue']],
  ])('%s', (_name, spec, samples, expected) => {
    expect(verdicts(spec, samples)).toEqual(expected);
  });

  it('keeps the run start through a late sample stamped earlier', () => {
    const first = stepRun(null, true, 100_000, duration);
    const second = stepRun(first.run, true, 50_000, duration);
    expect(second.run).toEqual({ sinceMs: 100_000, count: 2, lastMs: 100_000 });
  });
});
