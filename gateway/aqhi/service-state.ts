import type { AqhiEngine, AqhiEngineSnapshot } from '../../rules/aqhi/index.js';

/** What the AQHI service writes so a restart resumes the moving averages and the high-band state. */
export interface AqhiServiceState {
  format: 'aqhi-service/1';
  engine: AqhiEngineSnapshot;
  /** Receive time of each station's latest reading (for `stale`). */
  lastReadingAtMs: Record<string, number>;
  /** Whether each station was last seen in the high band (so a restart does not announce it again). */
  high: Record<string, boolean>;
}

const isRecordOf = (value: unknown, check: (v: unknown) => boolean): value is Record<string, never> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every(check);

/** Checks a stored state and restores the engine from it; the engine is left untouched on error. */
export function restoreServiceState(input: unknown, engine: AqhiEngine): { ok: true; state: AqhiServiceState } | { ok: false; error: string } {
  if (typeof input !== 'object' || input === null) return { ok: false, error: 'state: not an object' };
  const s = input as Record<string, unknown>;
  if (s.format !== 'aqhi-service/1') return { ok: false, error: `state: unknown format ${JSON.stringify(s.format)}` };
  if (!isRecordOf(s.lastReadingAtMs, (v) => typeof v === 'number' && Number.isFinite(v))) return { ok: false, error: 'state: lastReadingAtMs is malformed' };
  if (!isRecordOf(s.high, (v) => typeof v === 'boolean')) return { ok: false, error: 'state: high is malformed' };
  const restored = engine.restore(s.engine);
  if (!restored.ok) return { ok: false, error: restored.error };
  return { ok: true, state: input as AqhiServiceState };
}
