/**
 * Simulated time. Devices, scenarios and (in the demo) the gateway read the same clock, so an
 * accelerated run stays consistent: at speed 60 one simulated minute passes per real second.
 * Tests use the manual clock and move it by hand; nothing waits on real time.
 */

/** A task may return a promise; the manual clock waits for it before running the next one. */
export type ClockTask = () => void | Promise<void>;

export interface TimerHandle {
  cancel(): void;
}

export interface SimClock {
  /** Simulated milliseconds since the epoch. */
  now(): number;
  /** Simulated milliseconds per real millisecond. */
  readonly speed: number;
  /** Runs the task when simulated time reaches atMs (at once, in order, if that is already past). */
  at(atMs: number, task: ClockTask): TimerHandle;
  /** Runs the task every intervalMs of simulated time, first at firstAtMs (default now + interval). */
  every(intervalMs: number, task: ClockTask, firstAtMs?: number): TimerHandle;
  /** Resolves when simulated time has moved on by ms. */
  sleep(ms: number): Promise<void>;
  /** Cancels every timer; the clock runs nothing more. */
  stop(): void;
}

export interface ManualSimClock extends SimClock {
  /** Moves time forward by ms, running each due task in time order and awaiting it. */
  advance(ms: number): Promise<void>;
  /** Moves time forward to atMs (never backwards). */
  advanceTo(atMs: number): Promise<void>;
  /** How many tasks are waiting. */
  readonly pending: number;
}

export interface RealtimeSimClockOptions {
  /** Simulated time at the start. */
  startMs: number;
  /** Simulated ms per real ms; 1 is real time. */
  speed: number;
  /** Real time in ms; injectable for tests of the clock itself. */
  realNow?: () => number;
  timers?: { setTimeout: (fn: () => void, ms: number) => unknown; clearTimeout: (handle: unknown) => void };
  /** Called with a task's error; the clock keeps running. */
  onError?: (err: unknown) => void;
}

interface Entry {
  atMs: number;
  seq: number;
  task: ClockTask;
  cancelled: boolean;
}

/** A binary heap on (atMs, seq): equal times run in the order they were scheduled. */
class TaskQueue {
  private readonly heap: Entry[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(atMs: number, task: ClockTask): Entry {
    const entry: Entry = { atMs, seq: this.seq++, task, cancelled: false };
    this.heap.push(entry);
    this.up(this.heap.length - 1);
    return entry;
  }

  peek(): Entry | undefined {
    while (this.heap.length > 0 && this.heap[0]!.cancelled) this.pop();
    return this.heap[0];
  }

  pop(): Entry | undefined {
    const top = this.heap[0];
    const last = this.heap.pop();
    if (top !== undefined && last !== undefined && this.heap.length > 0) {
      this.heap[0] = last;
      this.down(0);
    }
    return top;
  }

  clear(): void {
    for (const entry of this.heap) entry.cancelled = true;
    this.heap.length = 0;
  }

  private before(a: Entry, b: Entry): boolean {
    return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < h.length && this.before(h[left]!, h[smallest]!)) smallest = left;
      if (right < h.length && this.before(h[right]!, h[smallest]!)) smallest = right;
      if (smallest === i) return;
      [h[i], h[smallest]] = [h[smallest]!, h[i]!];
      i = smallest;
    }
  }
}

/** The scheduling both clocks share; `wake` tells the driver the earliest task may have changed. */
function scheduling(queue: TaskQueue, now: () => number, wake: () => void) {
  const at = (atMs: number, task: ClockTask): TimerHandle => {
    const entry = queue.push(atMs, task);
    wake();
    return {
      cancel: () => {
        entry.cancelled = true;
      },
    };
  };
  const every = (intervalMs: number, task: ClockTask, firstAtMs?: number): TimerHandle => {
    if (!(intervalMs > 0)) throw new Error(`interval must be positive, got ${intervalMs}`);
    let current: TimerHandle | undefined;
    let cancelled = false;
    const schedule = (atMs: number): void => {
      current = at(atMs, () => {
        if (cancelled) return;
        // The next run is due one interval after this one was, so a late run does not drift.
        schedule(atMs + intervalMs);
        return task();
      });
    };
    schedule(firstAtMs ?? now() + intervalMs);
    return {
      cancel: () => {
        cancelled = true;
        current?.cancel();
      },
    };
  };
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => void at(now() + ms, resolve));
  return { at, every, sleep };
}

/** A clock only tests move: `advance` runs due tasks in order and waits for each. */
export function createManualClock(startMs: number): ManualSimClock {
  let current = startMs;
  const queue = new TaskQueue();
  let stopped = false;
  const { at, every, sleep } = scheduling(queue, () => current, () => undefined);

  const advanceTo = async (targetMs: number): Promise<void> => {
    for (;;) {
      const next = queue.peek();
      if (stopped || next === undefined || next.atMs > targetMs) break;
      queue.pop();
      current = Math.max(current, next.atMs);
      await next.task();
    }
    current = Math.max(current, targetMs);
  };

  return {
    now: () => current,
    speed: 1,
    at: (atMs, task) => at(atMs, task),
    every,
    sleep,
    advance: (ms) => advanceTo(current + ms),
    advanceTo,
    get pending() {
      return queue.size;
    },
    stop() {
      stopped = true;
      queue.clear();
    },
  };
}

/** Simulated time running at `speed` times real time, from `startMs`. */
export function createRealtimeClock(options: RealtimeSimClockOptions): SimClock {
  if (!(options.speed > 0)) throw new Error(`speed must be positive, got ${options.speed}`);
  const realNow = options.realNow ?? (() => performance.now());
  const timers = options.timers ?? {
    setTimeout: (fn: () => void, ms: number): unknown => {
      const handle = setTimeout(fn, ms);
      handle.unref();
      return handle;
    },
    clearTimeout: (handle: unknown) => clearTimeout(handle as NodeJS.Timeout),
  };
  const onError = options.onError ?? ((err: unknown) => process.emitWarning(`simulated clock task failed: ${String(err)}`));
  const realStart = realNow();
  const now = (): number => Math.floor(options.startMs + (realNow() - realStart) * options.speed);
  const queue = new TaskQueue();
  let timer: unknown;
  let timerAtMs = Number.POSITIVE_INFINITY;
  let stopped = false;

  const runDue = (): void => {
    timer = undefined;
    timerAtMs = Number.POSITIVE_INFINITY;
    const nowMs = now();
    for (;;) {
      const next = queue.peek();
      if (stopped || next === undefined || next.atMs > nowMs) break;
      queue.pop();
      try {
        const result = next.task();
        if (result instanceof Promise) result.catch(onError);
      } catch (err) {
        onError(err);
      }
    }
    arm();
  };

  function arm(): void {
    if (stopped) return;
    const next = queue.peek();
    if (next === undefined || next.atMs >= timerAtMs) return;
    if (timer !== undefined) timers.clearTimeout(timer);
    timerAtMs = next.atMs;
    const delayReal = Math.max(0, (next.atMs - now()) / options.speed);
    // Node fires timers up to a millisecond early; rounding up keeps a task from running before its time.
    timer = timers.setTimeout(runDue, Math.ceil(delayReal));
  }

  const { at, every, sleep } = scheduling(queue, now, arm);
  return {
    now,
    speed: options.speed,
    at,
    every,
    sleep,
    stop() {
      stopped = true;
      queue.clear();
      if (timer !== undefined) timers.clearTimeout(timer);
      timer = undefined;
    },
  };
}
