/** Runs a change after the changes asked before it have settled. */
export type OneAtATime = <T>(change: () => Promise<T>) => Promise<T>;

/**
 * A queue for changes that read a stored thing and write it back whole: with an asynchronous
 * store, two such changes side by side would each write what the other did not see. A change
 * asked while none is pending starts at once, so an embedded store's write still happens in the
 * caller's turn; one asked while another runs (an event it raised) waits for it.
 */
export function oneAtATime(): OneAtATime {
  let last: Promise<void> = Promise.resolve();
  let pending = 0;
  return <T>(change: () => Promise<T>): Promise<T> => {
    const previous = last;
    const idle = pending === 0;
    pending++;
    // Set before the change starts: a change it asks for while it runs waits for it.
    let settled!: () => void;
    last = new Promise<void>((resolve) => (settled = resolve));
    const run = idle ? change() : previous.then(change);
    const done = (): void => {
      pending--;
      settled();
    };
    void run.then(done, done);
    return run;
  };
}

export interface RunWhenAsked {
  /** Runs now, or once more after the run under way: a burst of asks costs at most two runs. */
  ask(): void;
  /** Resolves when no run is under way or asked for. */
  settled(): Promise<void>;
}

/**
 * For a look at a store that others write (their notices, a timer): one look at a time, and a
 * look asked for while one runs runs once after it, since the one under way may have read too
 * early. `run` reports its own failures.
 */
export function runWhenAsked(run: () => Promise<void>): RunWhenAsked {
  let running: Promise<void> | undefined;
  let again = false;
  return {
    ask() {
      if (running !== undefined) {
        again = true;
        return;
      }
      running = (async () => {
        do {
          again = false;
          await run();
        } while (again);
      })().finally(() => (running = undefined));
    },
    settled: () => running ?? Promise.resolve(),
  };
}
