/**
 * Duration and repeating conditions over samples, in the manner of ThingsBoard's alarm rules: a
 * condition is "true" once it has held for `forS` across at least `repeats` consecutive samples,
 * "notYetTrue" while it holds but not for long enough, and "false" as soon as a sample breaks it.
 */
export interface RunState {
  sinceMs: number;
  count: number;
  lastMs: number;
}

export interface RunSpec {
  forS: number;
  repeats: number;
  /** A sample further than this from the previous one starts a new run. */
  maxGapS: number;
}

export type Verdict = 'true' | 'notYetTrue' | 'false';

export interface RunStep {
  run: RunState | null;
  verdict: Verdict;
}

export function stepRun(run: RunState | null, matches: boolean, atMs: number, spec: RunSpec): RunStep {
  if (!matches) return { run: null, verdict: 'false' };
  const continues = run !== null && atMs - run.lastMs <= spec.maxGapS * 1000;
  const next: RunState = continues
    ? { sinceMs: run.sinceMs, count: run.count + 1, lastMs: Math.max(run.lastMs, atMs) }
    : { sinceMs: atMs, count: 1, lastMs: atMs };
  const held = next.lastMs - next.sinceMs >= spec.forS * 1000 && next.count >= Math.max(1, spec.repeats);
  return { run: next, verdict: held ? 'true' : 'notYetTrue' };
}
