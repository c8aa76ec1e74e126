/** A clock tests move by hand; the gateway reads it through its injected `now`. */
export interface FakeClock {
  now: () => number;
  advance(ms: number): number;
  set(ms: number): void;
}

export function fakeClock(startMs: number): FakeClock {
  let current = startMs;
  return {
    now: () => current,
    advance(ms) {
      current += ms;
      return current;
    },
    set(ms) {
      current = ms;
    },
  };
}
