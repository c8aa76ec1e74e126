import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import os from 'node:os';

/*
 * CPU per message at a fixed rate, the way the ingest target is stated: the broker's CPU time in
 * three windows of steady load, less what it spends idle (measured just before, publishers
 * connected and silent), over the messages it took in each window; the median of the three.
 */

export interface CpuTarget {
  /** Messages taken so far (for the gateway: stored). */
  received(): number;
  /** CPU seconds (user + system) the broker has used so far. */
  cpuSeconds(): number;
}

export interface CpuWindowTimes {
  idleMs: number;
  warmupMs: number;
  windowMs: number;
  /** Steady windows wanted; the median of their figures is the result. */
  windows: number;
  /** Windows measured at most, steady or not. */
  maxWindows: number;
  /** The rate the load is sent at, msg/s. */
  rate: number;
}

export interface CpuWindows {
  /** CPU seconds per second with the publishers connected and silent. */
  idleCpuPerSecond: number;
  /** Per steady window: CPU µs per message, idle CPU subtracted. */
  perMessageMicros: number[];
  /** Per steady window: messages taken. */
  messages: number[];
  /** Windows left out: the broker took far more or fewer messages than were sent in them. */
  unsteady: number;
  /**
   * CPU µs per message over the whole load, from its first message until the broker took the
   * last, idle CPU subtracted: what is left to go by when the machine is too busy for steady
   * windows (a broker that falls behind takes its backlog in larger reads, a little cheaper).
   */
  wholeLoadMicros: number;
}

/**
 * A window is steady when the broker took within this share of what was sent in it. Past it the
 * broker was falling behind (starved of CPU by other work on the machine) or catching up, and its
 * CPU does not belong to the messages counted.
 */
const STEADY_WITHIN = 0.2;

interface Sample {
  atMs: number;
  cpuSeconds: number;
  received: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const sample = (target: CpuTarget): Sample => ({ atMs: performance.now(), cpuSeconds: target.cpuSeconds(), received: target.received() });

/**
 * A window ends right after the count moves, not in between: the gateway counts a reading when
 * its flush commits (every 100 ms), so every window then holds whole flushes.
 */
async function sampleAfterCount(target: CpuTarget, deadlineMs: number): Promise<Sample> {
  const last = target.received();
  const until = performance.now() + deadlineMs;
  while (target.received() === last && performance.now() < until) await sleep(1);
  return sample(target);
}

/**
 * `connected`: every publisher is connected (the idle window starts); `publishing`: the load has
 * started, after `times.idleMs`. The load must last warm-up plus `maxWindows` windows.
 */
export async function measureCpuWindows(
  target: CpuTarget,
  connected: Promise<void>,
  publishing: Promise<void>,
  times: CpuWindowTimes,
  /** Ends the load; resolves with how many messages it sent. */
  finish: () => Promise<number>,
): Promise<CpuWindows> {
  await connected;
  const idleFrom = sample(target);
  await publishing;
  const idleTo = sample(target);
  const idleCpuPerSecond = (idleTo.cpuSeconds - idleFrom.cpuSeconds) / ((idleTo.atMs - idleFrom.atMs) / 1000);
  await sleep(times.warmupMs);
  let from = await sampleAfterCount(target, 1000);
  const perMessageMicros: number[] = [];
  const messages: number[] = [];
  let unsteady = 0;
  for (let i = 0; i < times.maxWindows && perMessageMicros.length < times.windows; i++) {
    await sleep(times.windowMs);
    const to = await sampleAfterCount(target, 1000);
    const seconds = (to.atMs - from.atMs) / 1000;
    const taken = to.received - from.received;
    if (Math.abs(taken - times.rate * seconds) > STEADY_WITHIN * times.rate * seconds) unsteady++;
    else {
      const busy = to.cpuSeconds - from.cpuSeconds - idleCpuPerSecond * seconds;
      perMessageMicros.push((busy / taken) * 1e6);
      messages.push(taken);
    }
    from = to;
  }
  const sent = await finish();
  const until = performance.now() + 60_000;
  while (target.received() - idleTo.received < sent && performance.now() < until) await sleep(5);
  const end = sample(target);
  const wholeBusy = end.cpuSeconds - idleTo.cpuSeconds - idleCpuPerSecond * ((end.atMs - idleTo.atMs) / 1000);
  const wholeLoadMicros = (wholeBusy / Math.max(1, end.received - idleTo.received)) * 1e6;
  return { idleCpuPerSecond, perMessageMicros, messages, unsteady, wholeLoadMicros };
}

/** Load time the windows need: idle, warm-up, the windows, and a margin for the last one to close. */
export function loadDurationMs(times: CpuWindowTimes): number {
  return times.warmupMs + times.maxWindows * times.windowMs + 1000;
}

/**
 * Pins every thread of a process to one CPU (Linux `taskset`), so the broker and the generator
 * do not share a core; `undefined` restores all CPUs. False when it could not be done.
 */
export function pinToCpu(pid: number, cpu: number | undefined): boolean {
  const cpus = os.cpus().length;
  if (cpus < 2) return false;
  const list = cpu === undefined ? `0-${cpus - 1}` : String(cpu);
  return spawnSync('taskset', ['-a', '-p', '-c', list, String(pid)], { stdio: 'ignore' }).status === 0;
}

/** Runs `work` with V8's sampling profiler on this process's main thread; writes a .cpuprofile. */
export async function withCpuProfile<T>(file: string, work: () => Promise<T>): Promise<T> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
    try {
      return await work();
    } finally {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(file, JSON.stringify(profile));
    }
  } finally {
    session.disconnect();
  }
}
