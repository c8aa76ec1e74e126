import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { createAqhiEngine, HOUR_MS, type AqiProfile, type AqhiEngine, type IndexUpdate, type Pollutant } from '../../rules/aqhi/index.js';
import type { Reading } from '../../sensors/index.js';
import type { Registry } from '../registry/registry.js';
import type { DeviceEntity } from '../registry/schemas.js';
import { AIR_VALID_RANGE } from './air-valid-range.js';
import type { AqhiFeedBody, HistoryPoint, StationIndex } from './feed-schema.js';
import { restoreServiceState, type AqhiServiceState } from './service-state.js';
import type { AqhiStore, StationHourMeans } from './sqlite-aqhi-store.js';
import { excludedHours, toHistoryPoint, toStationIndex, STALE_AFTER_MS } from './station-index.js';

/** With several gateways the one that computes the index is followed by the others (PostgreSQL). */
export { followSharedIndex } from './shared-index-follower.js';

/** What the AQHI service tells the rest of the gateway (feeds, the alert service, Node-RED). */
export interface AqhiServiceEvents {
  /** A station-hour's index changed: the current hour, a finished one, or one late data reached. */
  indexChanged: [update: IndexUpdate];
  /** A station entered (high: true) or left the high band; for the grouped `aqhi_high` notice. */
  highChanged: [stationId: string, change: { high: boolean; update: IndexUpdate }];
  /** A station's current feed entry may have changed (after its updates are applied). */
  stationChanged: [stationId: string];
  /** An hour boundary was processed; time-dependent parts of the feed (stale) may have moved. */
  ticked: [nowMs: number];
}

export interface AqhiServiceDeps {
  profile: AqiProfile;
  store: AqhiStore;
  registry: Pick<Registry, 'get' | 'list'>;
  now: () => number;
  log: Logger;
  /** How often changed hourly values are written, default 1 s (history reads write first). */
  flushIntervalMs?: number;
  /** Least time between engine snapshots while readings arrive, default 10 s. */
  snapshotIntervalMs?: number;
  /** Hourly values older than this are deleted, default 90 days (the API serves 30). */
  historyRetentionDays?: number;
  staleAfterMs?: number;
  /** Leave hours out when a pollutant repeats one value this many hours; 0 (default) is off. */
  stuckAfterHours?: number;
}

export interface AqhiService {
  readonly profile: AqiProfile;
  readonly events: EventEmitter<AqhiServiceEvents>;
  /**
   * Feeds one stored reading (the evaluate stage calls it) and returns the index changes it made;
   * readings of other kinds, of air devices with no station, or after stop() are ignored.
   */
  handleReading(reading: Reading, device: DeviceEntity): IndexUpdate[];
  /**
   * Processes an hour boundary at nowMs (default now()): finalises hours, moves silent stations on;
   * resolves once they are written.
   */
  tick(nowMs?: number): Promise<IndexUpdate[]>;
  /** Every registered station's current entry. */
  feed(nowMs?: number): AqhiFeedBody;
  /** One registered station's current entry; undefined for a station not in the registry. */
  stationIndex(stationId: string, nowMs?: number): StationIndex | undefined;
  /** Stored hourly values of the last `hours` hours up to the hour of nowMs, oldest first. */
  history(stationId: string, hours: number, nowMs?: number): Promise<HistoryPoint[]>;
  /** Starts the hour-boundary timer, after a catch-up tick for the hours that passed while stopped. */
  start(): Promise<void>;
  /** Stops the timers and taking readings, and writes everything down. Safe to call twice. */
  stop(): Promise<void>;
  /** Writes changed hourly values now; with force, the engine snapshot too. Writes run one at a time. */
  flush(force?: boolean): Promise<void>;
  /**
   * For several gateways on one store: the index is computed, ticked and written only while
   * `computes()` (this gateway runs the community); otherwise the service shows what the one that
   * computes has stored (followStored), and its engine follows the saved state, so that it computes
   * from there once it takes over.
   */
  computeOnlyWhile(computes: () => boolean): void;
  /**
   * While not computing: reads the stored newest hour of the given stations (all: of every one)
   * and, with `state`, the saved engine state, then says stationChanged. Does nothing while computing.
   */
  followStored(what: { stations: readonly string[] | 'all'; state: boolean }): Promise<void>;
}

/** A timer may fire a hair early; ticking this long after the boundary lands in the new hour. */
const TICK_MARGIN_MS = 1000;

const hourOf = (ms: number): number => Math.floor(ms / HOUR_MS) * HOUR_MS;

/**
 * The AQHI service: feeds the pure engine (rules/aqhi) from accepted air readings, ticks it at
 * every hour boundary, keeps hourly values for history and its state for restarts, and says
 * when a station's index or its high-band state changes. Resolves once its saved state is read.
 */
export async function createAqhiService(deps: AqhiServiceDeps): Promise<AqhiService> {
  const { profile, store, registry, now, log } = deps;
  const flushIntervalMs = deps.flushIntervalMs ?? 1000;
  const snapshotIntervalMs = deps.snapshotIntervalMs ?? 10_000;
  const retentionMs = (deps.historyRetentionDays ?? 90) * 24 * HOUR_MS;
  const staleAfterMs = deps.staleAfterMs ?? STALE_AFTER_MS;
  const events = new EventEmitter<AqhiServiceEvents>();

  const engine: AqhiEngine = createAqhiEngine({
    profile,
    clock: { nowMs: now },
    validRange: AIR_VALID_RANGE,
    ...(deps.stuckAfterHours === undefined ? {} : { stuckAfterHours: deps.stuckAfterHours }),
  });
  const lastReadingAtMs = new Map<string, number>();
  const high = new Map<string, boolean>();
  const longestWindowHours = Math.max(...profile.terms.map((t) => t.window.hours));

  const [saved, latestStored] = await Promise.all([store.loadState(), store.latestOfEach()]);
  /** Each station's newest hour, stored or about to be: the feed's value when the engine has none. */
  const latestHour = new Map(latestStored.map((u) => [u.stationId, u]));
  /** Whether this gateway computes the index; always, unless several share the store. */
  let computes = (): boolean => true;

  /** Takes a saved state whole (the engine is left as it was when it is malformed); the error if any. */
  function restoreSaved(state: unknown): string | undefined {
    const restored = restoreServiceState(state, engine);
    if (!restored.ok) return restored.error;
    lastReadingAtMs.clear();
    high.clear();
    for (const [id, ms] of Object.entries(restored.state.lastReadingAtMs)) lastReadingAtMs.set(id, ms);
    for (const [id, h] of Object.entries(restored.state.high)) high.set(id, h);
    return undefined;
  }

  if (saved !== undefined) {
    const error = restoreSaved(saved);
    if (error === undefined) log.info({ stations: engine.stations().length }, 'AQHI state restored');
    // The raw readings are still in the telemetry store; the averages rebuild as data arrives.
    else log.warn({ error }, 'AQHI state not restored; starting with empty averages');
  }

  const pendingHours = new Map<string, IndexUpdate>();
  /** Station-hours whose pollutant means changed since the last write: station → hour starts. */
  const pendingMeans = new Map<string, Set<number>>();
  let stateDirty = false;
  let lastSnapshotAt = performance.now();
  let hourTimer: NodeJS.Timeout | undefined;
  let stopped = false;
  let writes: Promise<void> = Promise.resolve();

  function emit<E extends keyof AqhiServiceEvents>(event: E, ...args: AqhiServiceEvents[E]): void {
    try {
      (events.emit as (e: E, ...a: AqhiServiceEvents[E]) => boolean)(event, ...args);
    } catch (err) {
      log.error({ err, event }, 'a listener of AQHI changes failed');
    }
  }

  function apply(updates: readonly IndexUpdate[]): void {
    if (updates.length === 0) return;
    stateDirty = true;
    for (const u of updates) {
      pendingHours.set(`${u.stationId}\u0000${u.hourStartMs}`, u);
      if (u.hourStartMs >= (latestHour.get(u.stationId)?.hourStartMs ?? Number.NEGATIVE_INFINITY)) latestHour.set(u.stationId, u);
      emit('indexChanged', u);
    }
    for (const stationId of new Set(updates.map((u) => u.stationId))) {
      checkHighBand(stationId);
      emit('stationChanged', stationId);
    }
  }

  /** Only the current hour's value moves the high state; a null value (missing data) leaves it as it was. */
  function checkHighBand(stationId: string): void {
    const current = engine.current(stationId);
    if (current === undefined || current.value === null) return;
    if (current.high === (high.get(stationId) ?? false)) return;
    high.set(stationId, current.high);
    // Written before it is told: a restart must not announce the same transition twice. Told
    // even when the write fails: a notice twice is better than none.
    const change = { high: current.high, update: current };
    flush(true).then(
      () => emit('highChanged', stationId, change),
      (err: unknown) => {
        log.error({ err, stationId }, 'AQHI state not written before a high-band change');
        emit('highChanged', stationId, change);
      },
    );
  }

  function handleReading(reading: Reading, device: DeviceEntity): IndexUpdate[] {
    if (stopped || reading.kind !== 'air' || device.station === undefined) return [];
    const stationId = device.station;
    lastReadingAtMs.set(stationId, Math.max(lastReadingAtMs.get(stationId) ?? 0, reading.receivedAtMs));
    stateDirty = true;
    const { updates, rejected } = engine.ingest(stationId, reading.tsMs, reading.values);
    if (rejected.length < Object.keys(reading.values).length) {
      const hours = pendingMeans.get(stationId) ?? new Set<number>();
      pendingMeans.set(stationId, hours.add(hourOf(reading.tsMs)));
    }
    if (rejected.length > 0) log.warn({ stationId, deviceId: device.id, rejected }, 'air values left out of the index');
    apply(updates);
    if (updates.length === 0) emit('stationChanged', stationId);
    return updates;
  }

  function takeMeans(): StationHourMeans[] {
    const rows: StationHourMeans[] = [];
    for (const [stationId, hours] of pendingMeans) {
      const oldest = Math.min(...hours);
      const span = Math.floor((hourOf(now()) - oldest) / HOUR_MS) + 2;
      for (const summary of engine.hourly(stationId, span)) {
        if (!hours.has(summary.hourStartMs)) continue;
        const means: StationHourMeans['means'] = {};
        for (const [p, h] of Object.entries(summary.pollutants)) if (h.mean !== null) means[p as Pollutant] = h.mean;
        rows.push({ stationId, hourStartMs: summary.hourStartMs, means });
      }
    }
    pendingMeans.clear();
    return rows;
  }

  /** What changed, taken at once and written in order; what arrives meanwhile waits for the next write. */
  async function write(force: boolean): Promise<void> {
    // Not over what the one that computes stores: kept for when this one computes again, or dropped
    // when its engine is replaced by the stored state (followStored).
    if (!computes()) return;
    const means = pendingMeans.size > 0 ? takeMeans() : [];
    const hours = [...pendingHours.values()];
    pendingHours.clear();
    let state: AqhiServiceState | undefined;
    if (stateDirty && (force || performance.now() - lastSnapshotAt >= snapshotIntervalMs)) {
      state = { format: 'aqhi-service/1', engine: engine.snapshot(), lastReadingAtMs: Object.fromEntries(lastReadingAtMs), high: Object.fromEntries(high) };
      stateDirty = false;
      lastSnapshotAt = performance.now();
    }
    try {
      if (means.length > 0) await store.saveMeans(means);
      if (hours.length > 0) await store.saveHours(hours, now());
      if (state !== undefined) await store.saveState(state, now());
    } catch (err) {
      // Kept for the next write; what changed meanwhile is newer and stays.
      for (const m of means) pendingMeans.set(m.stationId, (pendingMeans.get(m.stationId) ?? new Set<number>()).add(m.hourStartMs));
      for (const u of hours) {
        const key = `${u.stationId}\u0000${u.hourStartMs}`;
        if (!pendingHours.has(key)) pendingHours.set(key, u);
      }
      if (state !== undefined) stateDirty = true;
      throw err;
    }
  }

  function flush(force = false): Promise<void> {
    const run = writes.then(() => write(force));
    writes = run.catch(() => undefined);
    return run;
  }

  async function tick(nowMs = now()): Promise<IndexUpdate[]> {
    if (!computes()) {
      // The one that computes moves the hours on; here only time-dependent parts (stale) may move.
      emit('ticked', nowMs);
      return [];
    }
    const updates = engine.tick(nowMs);
    apply(updates);
    emit('ticked', nowMs);
    const cutoff = hourOf(nowMs) - retentionMs;
    for (const [stationId, u] of latestHour) if (u.hourStartMs < cutoff) latestHour.delete(stationId);
    const pruned = await store.pruneBefore(cutoff);
    if (pruned > 0) log.debug({ pruned }, 'old hourly AQHI values deleted');
    await flush(true);
    return updates;
  }

  function scheduleHourTick(): void {
    const nowMs = now();
    const delay = hourOf(nowMs) + HOUR_MS - nowMs + TICK_MARGIN_MS;
    hourTimer = setTimeout(() => {
      void tick()
        .catch((err: unknown) => log.error({ err }, 'AQHI hourly tick failed'))
        .finally(() => {
          if (!stopped) scheduleHourTick();
        });
    }, delay);
    hourTimer.unref();
  }

  function stationIndex(stationId: string, nowMs = now()): StationIndex | undefined {
    const station = registry.get('stations', stationId);
    if (station === undefined) return undefined;
    // Following, the stored newest hour is newer than the engine's last saved state.
    const update = computes() ? (engine.current(stationId) ?? latestHour.get(stationId)) : (latestHour.get(stationId) ?? engine.current(stationId));
    return toStationIndex({
      station,
      update,
      profile,
      lastReadingAtMs: lastReadingAtMs.get(stationId),
      nowMs,
      excluded: update === undefined ? [] : excludedHours(engine.hourly(stationId, longestWindowHours)),
      staleAfterMs,
    });
  }

  function feed(nowMs = now()): AqhiFeedBody {
    const stations = registry
      .list('stations')
      .map((s) => s.id)
      .sort();
    return {
      profile: {
        name: profile.name,
        version: profile.version,
        status: profile.status,
        title: profile.title,
        kind: profile.kind === 'risk-sum' ? 'risk-sum' : 'breakpoint',
        ...(profile.kind === 'risk-sum' ? { openBandLabel: profile.openBandLabel } : {}),
        categories: profile.categories.map((c) => ({ id: c.id, name: c.name, color: c.color, fromBand: c.fromBand, toBand: c.toBand })),
      },
      generatedAt: new Date(nowMs).toISOString(),
      stations: stations.map((id) => stationIndex(id, nowMs)).filter((s): s is StationIndex => s !== undefined),
    };
  }

  async function history(stationId: string, hours: number, nowMs = now()): Promise<HistoryPoint[]> {
    if (!Number.isInteger(hours) || hours < 1) throw new RangeError(`hours must be a positive integer, got ${hours}`);
    await flush();
    const toMs = hourOf(nowMs);
    return (await store.hours(stationId, toMs - (hours - 1) * HOUR_MS, toMs)).map(toHistoryPoint);
  }

  async function followStored(what: { stations: readonly string[] | 'all'; state: boolean }): Promise<void> {
    if (stopped || computes()) return;
    const [state, latest] = await Promise.all([
      what.state ? store.loadState() : undefined,
      what.stations === 'all' ? store.latestOfEach() : Promise.all(what.stations.map((id) => store.latest(id))),
    ]);
    // Taken over meanwhile: this gateway's own engine is now the truth.
    if (stopped || computes()) return;
    if (state !== undefined) {
      const error = restoreSaved(state);
      if (error !== undefined) log.warn({ error }, 'the stored AQHI state could not be read; showing the stored hours');
      else {
        // What this engine computed before is superseded by what the one that computes now stored.
        pendingMeans.clear();
        pendingHours.clear();
        stateDirty = false;
      }
    }
    for (const u of latest) if (u !== undefined) latestHour.set(u.stationId, u);
    const changed = what.state || what.stations === 'all' ? registry.list('stations').map((s) => s.id) : what.stations;
    for (const stationId of new Set(changed)) emit('stationChanged', stationId);
  }

  const flushTimer = setInterval(() => {
    flush().catch((err: unknown) => log.error({ err }, 'writing AQHI values failed'));
  }, flushIntervalMs);
  flushTimer.unref();

  return {
    profile,
    events,
    handleReading,
    tick,
    feed,
    stationIndex,
    history,
    async start() {
      if (stopped || hourTimer !== undefined) return;
      // The timer is set first: a second start while the catch-up tick runs does nothing.
      scheduleHourTick();
      await tick();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(flushTimer);
      if (hourTimer !== undefined) clearTimeout(hourTimer);
      await flush(true);
    },
    flush,
    computeOnlyWhile(predicate) {
      computes = predicate;
    },
    followStored,
  };
}
