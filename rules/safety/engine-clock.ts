import { isFiniteNumber, isRecord } from './plain-data.js';

/**
 * An engine's sense of time. Time only comes in as arguments (a message's receive time, a tick's
 * time) and never runs backwards: a message stamped before the latest time seen is evaluated at
 * that time. After a restore, the first time seen tells how long the gateway was down.
 */
export interface EngineClock {
  /** Moves the clock to `atMs` unless it is already past it; returns the time to evaluate at. */
  advance(atMs: number): number;
  /** The latest time seen; null before anything came in. */
  latestMs(): number | null;
  /** Sets the clock from a snapshot; the next `advance` reports the time since as downtime. */
  resumeFrom(clockMs: number | null): void;
}

/** `skipDowntime` runs once, on the first advance after `resumeFrom`, when time has moved on. */
export function createEngineClock(skipDowntime: (gapMs: number) => void): EngineClock {
  let clockMs: number | null = null;
  let resumeFromMs: number | null = null;
  return {
    advance(atMs) {
      if (resumeFromMs !== null) {
        const gapMs = atMs - resumeFromMs;
        resumeFromMs = null;
        if (gapMs > 0) skipDowntime(gapMs);
      }
      if (clockMs === null || atMs > clockMs) clockMs = atMs;
      return clockMs;
    },
    latestMs: () => clockMs,
    resumeFrom(latest) {
      clockMs = latest;
      resumeFromMs = latest;
    },
  };
}

/** An engine's saved state: a version, its clock, and one plain-data entry per id. */
export type EngineSnapshot<V extends number, K extends string, T> = { version: V; clockMs: number | null } & Record<K, Record<string, T>>;

/** A deep copy, so the caller can keep or serialise it while the engine moves on. */
export function snapshotEngine<V extends number, K extends string, T>(version: V, clock: EngineClock, key: K, entries: ReadonlyMap<string, T>): EngineSnapshot<V, K, T> {
  return structuredClone({ version, clockMs: clock.latestMs(), [key]: Object.fromEntries(entries) }) as EngineSnapshot<V, K, T>;
}

export type RestoredEntries<T> =
  | { ok: true; clockMs: number | null; entries: Map<string, T>; skipped: string[] }
  | { ok: false; reason: string };

/**
 * Reads a snapshot back: the envelope is checked whole (version, entries, clock), then each entry
 * on its own; an entry `restoreEntry` rejects is skipped and named, the rest resume.
 */
export function restoreEngineEntries<T>(
  state: unknown,
  version: number,
  key: string,
  restoreEntry: (id: string, raw: unknown) => T | undefined,
): RestoredEntries<T> {
  if (!isRecord(state)) return { ok: false, reason: 'state is not an object' };
  if (state.version !== version) return { ok: false, reason: `unsupported state version ${String(state.version)}` };
  const raw = state[key];
  if (!isRecord(raw)) return { ok: false, reason: `state.${key} is not an object` };
  if (state.clockMs !== null && !isFiniteNumber(state.clockMs)) return { ok: false, reason: 'state.clockMs is not a number' };
  const entries = new Map<string, T>();
  const skipped: string[] = [];
  for (const [id, entry] of Object.entries(structuredClone(raw))) {
    const restored = restoreEntry(id, entry);
    if (restored === undefined) skipped.push(id);
    else entries.set(id, restored);
  }
  return { ok: true, clockMs: state.clockMs, entries, skipped };
}
