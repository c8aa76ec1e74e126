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
  windows: number;
}

export interface CpuWindows {
  /** CPU seconds per second with the publishers connected and silent. */
  idleCpuPerSecond: number;
  /** Per window: CPU µs per message, idle CPU subtracted. */
  perMessageMicros: number[];
  /** Per window: messages taken. */
  messages: number[];
}

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
 * started, after `times.idleMs`. The load must last warm-up plus the windows.
 */
export async function measureCpuWindows(target: CpuTarget, connected: Promise<void>, publishing: Promise<void>, times: CpuWindowTimes): Promise<CpuWindows> {
  await connected;
  const idleFrom = sample(target);
  await publishing;
  const idleTo = sample(target);
  const idleCpuPerSecond = (idleTo.cpuSeconds - idleFrom.cpuSeconds) / ((idleTo.atMs - idleFrom.atMs) / 1000);
  await sleep(times.warmupMs);
  let from = await sampleAfterCount(target, 1000);
  const perMessageMicros: number[] = [];
  const messages: number[] = [];
  for (let i = 0; i < times.windows; i++) {
    await sleep(times.windowMs);
    const to = await sampleAfterCount(target, 1000);
    const taken = to.received - from.received;
    const busy = to.cpuSeconds - from.cpuSeconds - idleCpuPerSecond * ((to.atMs - from.atMs) / 1000);
    perMessageMicros.push((busy / Math.max(1, taken)) * 1e6);
    messages.push(taken);
    from = to;
  }
  return { idleCpuPerSecond, perMessageMicros, messages };
}

/** Load time the windows need: idle, warm-up, the windows, and a margin for the last one to close. */
export function loadDurationMs(times: CpuWindowTimes): number {
  return times.warmupMs + times.windows * times.windowMs + 1000;
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
