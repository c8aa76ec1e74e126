import type { AirValues } from '../device-messages.js';
import { describeCategory } from './category-for-band.js';
import { evaluateProfile } from './evaluate.js';
import { POLLUTANTS } from './types.js';
import type { AqiProfile, AveragingWindow, Clock, IndexResult, IndexUpdate, Pollutant, WindowMean } from './types.js';

/*
 * The stateful part: hourly means per station and pollutant, trailing windows, and the index
 * for each hour, recomputed when an hour starts, while it fills, and when late data arrives.
 *
 * Hours are UTC-aligned epoch hours: [floor(tsMs / 3 600 000) · 3 600 000, +1 h). For UTC+8
 * (Shanghai, Hong Kong) these are the local clock hours; for zones with a half-hour offset they
 * are not. The index of hour H uses the hourly means of H and the hours before it, so it is
 * provisional while H is not over.
 *
 * State is plain JSON (snapshot/restore) and bounded: per station the last `retentionHours`
 * hours of results and, for the windows those need, of hourly sums.
 */

export const HOUR_MS = 3_600_000;

export type RejectReason = 'not-a-number' | 'negative' | 'out-of-range' | 'too-late' | 'future' | 'bad-timestamp' | 'bad-station';

export interface RejectedValue {
  pollutant: Pollutant | null;
  reason: RejectReason;
  value?: number;
}

export interface IngestResult {
  /** Index values that changed, oldest hour first (a late reading can change several hours). */
  updates: IndexUpdate[];
  /** Values left out of every average, with the reason. */
  rejected: RejectedValue[];
}

export interface PollutantHour {
  /** Mean of the accepted samples (µg/m³; CO mg/m³); null when the hour does not count. */
  mean: number | null;
  samples: number;
  /** Why the hour does not count in the averages. */
  excluded?: 'too-few-samples' | 'stuck';
}

export interface HourlySummary {
  hourStartMs: number;
  pollutants: Partial<Record<Pollutant, PollutantHour>>;
  /** Counts of values refused for this hour, by reason. */
  rejected: Partial<Record<RejectReason, number>>;
}

export interface AqhiEngineOptions {
  profile: AqiProfile;
  /** Used to refuse readings from the future and by tick(); never required for correctness. */
  clock?: Clock;
  /**
   * Hours of index history kept per station, default 48. Late data is accepted while its hour
   * still feeds a retained result (retention plus the longest window); older data is refused.
   */
  retentionHours?: number;
  /** Samples an hour needs for its mean to count, default 1 (the count is kept either way). */
  minSamplesPerHour?: number;
  /** Plausible range per pollutant, e.g. from sensors' TELEMETRY_FIELDS; default: ≥ 0, no maximum. */
  validRange?: Partial<Record<Pollutant, { min: number; max: number }>>;
  /** With a clock, readings stamped later than now + this are refused; default 5 min. */
  futureToleranceMs?: number;
  /**
   * Flag a pollutant as stuck when every sample of this many consecutive hours has one and the
   * same value; those hours leave the averages. Off by default: clean-air readings at sensor
   * resolution (SO2 of 2 µg/m³ all night) repeat legitimately.
   */
  stuckAfterHours?: number;
}

interface HourCell {
  n: number;
  sum: number;
  min: number;
  max: number;
}

interface HourRecord {
  cells: Partial<Record<Pollutant, HourCell>>;
  rejected: Partial<Record<RejectReason, number>>;
}

/** A result as stored: category by id only; name, colour and advice come from the profile. */
type StoredResult = Omit<IndexUpdate, 'category' | 'advice' | 'color'>;

interface StationState {
  latestHourMs: number;
  /** The latest time known to have passed for this station (newest reading or tick). */
  seenUntilMs: number;
  hours: Record<string, HourRecord>;
  results: Record<string, StoredResult>;
}

export interface AqhiEngineSnapshot {
  format: 'aqhi-engine/1';
  profile: { name: string; version: string };
  stations: Record<string, StationState>;
}

export interface AqhiEngine {
  readonly profile: AqiProfile;
  ingest(stationId: string, tsMs: number, values: AirValues): IngestResult;
  /** Advances every station to the hour holding nowMs (default: the clock), finalising hours. */
  tick(nowMs?: number): IndexUpdate[];
  current(stationId: string): IndexUpdate | undefined;
  /** The last `hours` hours of a station's index, oldest first (hours with no result are skipped). */
  history(stationId: string, hours: number): IndexUpdate[];
  /** Hourly means and sample counts, oldest first: what the averages were built from. */
  hourly(stationId: string, hours: number): HourlySummary[];
  stations(): string[];
  snapshot(): AqhiEngineSnapshot;
  restore(snapshot: unknown): { ok: true } | { ok: false; error: string };
}

const hourOf = (tsMs: number): number => Math.floor(tsMs / HOUR_MS) * HOUR_MS;

export function createAqhiEngine(options: AqhiEngineOptions): AqhiEngine {
  const { profile, clock } = options;
  const retentionHours = options.retentionHours ?? 48;
  const minSamples = options.minSamplesPerHour ?? 1;
  const futureToleranceMs = options.futureToleranceMs ?? 5 * 60_000;
  const stuckAfter = options.stuckAfterHours ?? 0;
  if (!Number.isInteger(retentionHours) || retentionHours < 1) throw new RangeError('retentionHours must be a positive integer');
  if (!Number.isInteger(minSamples) || minSamples < 1) throw new RangeError('minSamplesPerHour must be a positive integer');
  if (!Number.isInteger(stuckAfter) || stuckAfter < 0) throw new RangeError('stuckAfterHours must be a non-negative integer');

  const windows: AveragingWindow[] = profile.terms.map((t) => t.window);
  const maxWindowHours = Math.max(...windows.map((w) => w.hours));
  const primaryWindowHours = Math.max(
    ...profile.terms.filter((t) => profile.kind === 'risk-sum' || ('role' in t && t.role === 'primary')).map((t) => t.window.hours),
  );
  // Hourly sums are kept long enough to recompute every retained result, stuck runs included.
  const cellKeepHours = retentionHours + maxWindowHours - 1 + stuckAfter;

  let stations = new Map<string, StationState>();

  function isStuck(st: StationState, p: Pollutant, hourMs: number): boolean {
    if (stuckAfter === 0) return false;
    const flat = (h: number): number | undefined => {
      const c = st.hours[String(h)]?.cells[p];
      return c !== undefined && c.n > 0 && c.min === c.max ? c.min : undefined;
    };
    const v = flat(hourMs);
    if (v === undefined) return false;
    let run = 1;
    for (let h = hourMs - HOUR_MS; run < stuckAfter && flat(h) === v; h -= HOUR_MS) run++;
    for (let h = hourMs + HOUR_MS; run < stuckAfter && flat(h) === v; h += HOUR_MS) run++;
    return run >= stuckAfter;
  }

  function pollutantHour(st: StationState, p: Pollutant, hourMs: number): PollutantHour | undefined {
    const c = st.hours[String(hourMs)]?.cells[p];
    if (c === undefined) return undefined;
    if (c.n < minSamples) return { mean: null, samples: c.n, excluded: 'too-few-samples' };
    if (isStuck(st, p, hourMs)) return { mean: null, samples: c.n, excluded: 'stuck' };
    return { mean: c.sum / c.n, samples: c.n };
  }

  function windowMean(st: StationState, p: Pollutant, w: AveragingWindow, hourMs: number): WindowMean {
    let total = 0;
    let valid = 0;
    for (let i = 0; i < w.hours; i++) {
      const m = pollutantHour(st, p, hourMs - i * HOUR_MS)?.mean;
      if (m === undefined || m === null) continue;
      total += m;
      valid++;
    }
    return { mean: valid >= w.minValidHours && valid > 0 ? total / valid : null, validHours: valid };
  }

  function compute(stationId: string, st: StationState, hourMs: number): StoredResult {
    const result: IndexResult = evaluateProfile(profile, (p, w) => windowMean(st, p, w, hourMs));
    return {
      stationId,
      hourStartMs: hourMs,
      hourEndMs: hourMs + HOUR_MS,
      windowStartMs: hourMs - (primaryWindowHours - 1) * HOUR_MS,
      provisional: hourMs + HOUR_MS > knownNow(st),
      ...result,
    };
  }

  function knownNow(st: StationState): number {
    const now = clock?.nowMs();
    return now === undefined ? st.seenUntilMs : Math.max(now, st.seenUntilMs);
  }

  function hydrate(r: StoredResult): IndexUpdate {
    return { ...structuredClone(r), ...describeCategory(profile, r.categoryId, r.band) };
  }

  /** Recomputes [fromMs, toMs] (clamped to retention), storing and returning what changed. */
  function recompute(stationId: string, st: StationState, fromMs: number, toMs: number): IndexUpdate[] {
    const oldest = st.latestHourMs - (retentionHours - 1) * HOUR_MS;
    const out: IndexUpdate[] = [];
    for (let h = Math.max(fromMs, oldest); h <= Math.min(toMs, st.latestHourMs); h += HOUR_MS) {
      const next = compute(stationId, st, h);
      const prev = st.results[String(h)];
      if (prev !== undefined && JSON.stringify(prev) === JSON.stringify(next)) continue;
      st.results[String(h)] = next;
      out.push(hydrate(next));
    }
    return out;
  }

  function evict(st: StationState): void {
    const cellFloor = st.latestHourMs - (cellKeepHours - 1) * HOUR_MS;
    const resultFloor = st.latestHourMs - (retentionHours - 1) * HOUR_MS;
    for (const k of Object.keys(st.hours)) if (Number(k) < cellFloor) delete st.hours[k];
    for (const k of Object.keys(st.results)) if (Number(k) < resultFloor) delete st.results[k];
  }

  /** Hours whose result can depend on hour h: its windows and, with stuck detection, its run. */
  const reachHours = maxWindowHours - 1 + stuckAfter;

  function ingest(stationId: string, tsMs: number, values: AirValues): IngestResult {
    const given = POLLUTANTS.filter((p) => values[p] !== undefined);
    const refuseAll = (reason: RejectReason): IngestResult => ({
      updates: [],
      rejected: given.map((p) => ({ pollutant: p, reason, value: values[p] as number })),
    });
    if (typeof stationId !== 'string' || stationId.length === 0) return refuseAll('bad-station');
    if (typeof tsMs !== 'number' || !Number.isFinite(tsMs)) return refuseAll('bad-timestamp');
    const now = clock?.nowMs();
    if (now !== undefined && tsMs > now + futureToleranceMs) return refuseAll('future');

    const hourMs = hourOf(tsMs);
    let st = stations.get(stationId);
    // Late data is taken as long as its hour's sums are still kept (they feed retained results).
    if (st !== undefined && hourMs < st.latestHourMs - (cellKeepHours - 1) * HOUR_MS) return refuseAll('too-late');
    if (given.length === 0) return { updates: [], rejected: [] };
    if (st === undefined) {
      st = { latestHourMs: hourMs, seenUntilMs: tsMs, hours: {}, results: {} };
      stations.set(stationId, st);
    }

    const rec = (st.hours[String(hourMs)] ??= { cells: {}, rejected: {} });
    const rejected: RejectedValue[] = [];
    let accepted = 0;
    for (const p of given) {
      const v = values[p] as unknown;
      const range = options.validRange?.[p];
      let reason: RejectReason | undefined;
      if (typeof v !== 'number' || !Number.isFinite(v)) reason = 'not-a-number';
      else if (v < 0) reason = 'negative';
      else if (range !== undefined && (v < range.min || v > range.max)) reason = 'out-of-range';
      if (reason !== undefined) {
        rejected.push(typeof v === 'number' && Number.isFinite(v) ? { pollutant: p, reason, value: v } : { pollutant: p, reason });
        rec.rejected[reason] = (rec.rejected[reason] ?? 0) + 1;
        continue;
      }
      const x = v as number;
      const c = rec.cells[p];
      if (c === undefined) rec.cells[p] = { n: 1, sum: x, min: x, max: x };
      else {
        c.n++;
        c.sum += x;
        c.min = Math.min(c.min, x);
        c.max = Math.max(c.max, x);
      }
      accepted++;
    }
    if (accepted === 0) return { updates: [], rejected };

    const prevLatest = st.latestHourMs;
    st.seenUntilMs = Math.max(st.seenUntilMs, tsMs);
    let updates: IndexUpdate[];
    if (hourMs > prevLatest) {
      st.latestHourMs = hourMs;
      evict(st);
      // The previous hour is now over: recompute it (it turns final) and every hour since.
      updates = recompute(stationId, st, prevLatest - stuckAfter * HOUR_MS, hourMs);
    } else {
      updates = recompute(stationId, st, hourMs - stuckAfter * HOUR_MS, hourMs + reachHours * HOUR_MS);
    }
    return { updates, rejected };
  }

  function tick(nowMs?: number): IndexUpdate[] {
    const now = nowMs ?? clock?.nowMs();
    if (now === undefined) throw new Error('tick() needs a time: pass nowMs or give the engine a clock');
    const out: IndexUpdate[] = [];
    for (const [id, st] of stations) {
      const nowHour = hourOf(now);
      const prevLatest = st.latestHourMs;
      st.seenUntilMs = Math.max(st.seenUntilMs, now);
      if (nowHour > prevLatest) {
        st.latestHourMs = nowHour;
        evict(st);
      }
      const provisional = Object.values(st.results)
        .filter((r) => r.provisional)
        .map((r) => r.hourStartMs);
      const from = Math.min(prevLatest, ...provisional);
      out.push(...recompute(id, st, from, st.latestHourMs));
    }
    return out.sort((a, b) => a.hourStartMs - b.hourStartMs || a.stationId.localeCompare(b.stationId));
  }

  function current(stationId: string): IndexUpdate | undefined {
    const st = stations.get(stationId);
    const r = st?.results[String(st.latestHourMs)];
    return r === undefined ? undefined : hydrate(r);
  }

  function history(stationId: string, hours: number): IndexUpdate[] {
    const st = stations.get(stationId);
    if (st === undefined || !(hours > 0)) return [];
    const n = Math.min(Math.floor(hours), retentionHours);
    const out: IndexUpdate[] = [];
    for (let h = st.latestHourMs - (n - 1) * HOUR_MS; h <= st.latestHourMs; h += HOUR_MS) {
      const r = st.results[String(h)];
      if (r !== undefined) out.push(hydrate(r));
    }
    return out;
  }

  function hourly(stationId: string, hours: number): HourlySummary[] {
    const st = stations.get(stationId);
    if (st === undefined || !(hours > 0)) return [];
    const n = Math.min(Math.floor(hours), retentionHours);
    const out: HourlySummary[] = [];
    for (let h = st.latestHourMs - (n - 1) * HOUR_MS; h <= st.latestHourMs; h += HOUR_MS) {
      const rec = st.hours[String(h)];
      if (rec === undefined) continue;
      const pollutants: Partial<Record<Pollutant, PollutantHour>> = {};
      for (const p of POLLUTANTS) {
        const ph = pollutantHour(st, p, h);
        if (ph !== undefined) pollutants[p] = ph;
      }
      out.push({ hourStartMs: h, pollutants, rejected: { ...rec.rejected } });
    }
    return out;
  }

  function snapshot(): AqhiEngineSnapshot {
    return {
      format: 'aqhi-engine/1',
      profile: { name: profile.name, version: profile.version },
      stations: structuredClone(Object.fromEntries(stations)),
    };
  }

  function restore(input: unknown): { ok: true } | { ok: false; error: string } {
    const problem = checkSnapshot(input);
    if (problem !== undefined) return { ok: false, error: problem };
    const snap = input as AqhiEngineSnapshot;
    const next = new Map<string, StationState>(Object.entries(structuredClone(snap.stations)));
    for (const st of next.values()) {
      for (const rec of Object.values(st.hours)) rec.rejected ??= {};
    }
    stations = next;
    // Hourly sums do not depend on the profile; results do, so a different profile recomputes them.
    if (snap.profile.name !== profile.name || snap.profile.version !== profile.version) {
      for (const [id, st] of stations) {
        st.results = {};
        recompute(id, st, st.latestHourMs - (retentionHours - 1) * HOUR_MS, st.latestHourMs);
      }
    }
    for (const st of stations.values()) evict(st);
    return { ok: true };
  }

  return {
    profile,
    ingest,
    tick,
    current,
    history,
    hourly,
    stations: () => [...stations.keys()],
    snapshot,
    restore,
  };
}

function checkSnapshot(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null) return 'snapshot: not an object';
  const s = input as Record<string, unknown>;
  if (s.format !== 'aqhi-engine/1') return `snapshot: unknown format ${JSON.stringify(s.format)}`;
  const prof = s.profile as Record<string, unknown> | undefined;
  if (typeof prof?.name !== 'string' || typeof prof.version !== 'string') return 'snapshot: profile name/version missing';
  if (typeof s.stations !== 'object' || s.stations === null) return 'snapshot: stations missing';
  for (const [id, raw] of Object.entries(s.stations as Record<string, unknown>)) {
    const st = raw as Record<string, unknown> | null;
    if (
      typeof st !== 'object' ||
      st === null ||
      !Number.isFinite(st.latestHourMs) ||
      !Number.isFinite(st.seenUntilMs) ||
      typeof st.hours !== 'object' ||
      st.hours === null ||
      typeof st.results !== 'object' ||
      st.results === null
    ) {
      return `snapshot: station ${JSON.stringify(id)} is malformed`;
    }
    for (const [k, rec] of Object.entries(st.hours as Record<string, unknown>)) {
      const cells = (rec as { cells?: unknown } | null)?.cells;
      if (!Number.isFinite(Number(k)) || typeof cells !== 'object' || cells === null) {
        return `snapshot: station ${JSON.stringify(id)} hour ${k} is malformed`;
      }
      for (const c of Object.values(cells as Record<string, unknown>)) {
        const cell = c as Partial<HourCell> | null;
        if (!cell || ![cell.n, cell.sum, cell.min, cell.max].every((x) => typeof x === 'number' && Number.isFinite(x))) {
          return `snapshot: station ${JSON.stringify(id)} hour ${k} has a malformed cell`;
        }
      }
    }
  }
  return undefined;
}
