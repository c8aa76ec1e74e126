import type { Logger } from 'pino';
import type { AedOutcome } from '../../rules/aed/index.js';
import type { IndexUpdate } from '../../rules/aqhi/index.js';
import type { RuleOutcome } from '../../rules/safety/index.js';
import type { DecodedMessage } from '../../sensors/index.js';
import type { AedService } from '../aed/aed-service.js';
import type { RuleStateStore } from '../alerts/rule-state-store.js';
import type { SafetyRules } from '../alerts/safety-rules.js';
import type { AqhiService } from '../aqhi/aqhi-service.js';
import type { Registry } from '../registry/registry.js';
import type { DeviceEntity } from '../registry/schemas.js';

export interface EvaluateDeps {
  registry: Pick<Registry, 'version'>;
  safety: Pick<SafetyRules, 'syncRegistry' | 'observe' | 'tick' | 'saveTouched' | 'raise' | 'saveIfDue'>;
  aed: Pick<AedService, 'syncRegistry' | 'observe' | 'tick' | 'save' | 'apply' | 'tickDispatches'>;
  aqhi: Pick<AqhiService, 'handleReading'>;
  /** Where the outcomes not yet raised are kept, in the same write as the state that decided them. */
  ruleState: Pick<RuleStateStore, 'save' | 'load'>;
  log: Pick<Logger, 'error' | 'warn'>;
  /**
   * Several gateways: this one's name (its outcomes not yet raised are kept under it) and whether
   * it runs the cabinets and the air index now (one gateway at a time does). Alone, it runs all.
   */
  cluster?: { instance: string; runsCommunity(): boolean };
}

/** What the engines made of one stored message, or of one tick of their timers. */
export interface Evaluation {
  safety: readonly RuleOutcome[];
  aed: readonly AedOutcome[];
  aqhi: readonly IndexUpdate[];
  /**
   * Resolves once the engines' state is kept and the alerts it caused are raised; undefined when
   * nothing was to be raised (the common case: no promise on the way of a plain reading).
   */
  committed: Promise<void> | undefined;
}

export interface EvaluateStage {
  /** One stored message through the safety rules, the AED cabinets and the air index, in that order. */
  evaluateMessage(message: DecodedMessage, device: DeviceEntity, nowMs: number): Evaluation;
  /** The engines' timers (a silent bracelet, a cabinet's heartbeat, a dispatch deadline), by the same path. */
  tick(nowMs: number): Promise<Evaluation>;
  /** At start, before any message: raises what a crash left decided and kept but not raised; how many batches. */
  recover(nowMs: number): Promise<number>;
  /**
   * Several gateways, on taking partitions from gateways that died: raises what they decided and
   * kept for residents now taken (`taking`), and for the cabinets when `cabinets`; how many outcomes.
   */
  recoverFrom(instances: readonly string[], taking: (residentId: string) => boolean, cabinets: boolean, nowMs: number): Promise<number>;
  /** The engines follow the registry again at the next message or tick (what they run changed). */
  resync(): void;
}

const NOTHING: readonly never[] = Object.freeze([]);

/** The outcomes decided, kept with the state, and not yet raised. */
const PENDING = 'evaluate:pending';

type PendingBatch = { id: number; engine: 'safety'; outcomes: readonly RuleOutcome[] } | { id: number; engine: 'cabinets'; outcomes: readonly AedOutcome[] };

/**
 * The evaluate stage. Each engine follows the registry once per registry version. Whatever the
 * engines decide, from a message or a timer, goes the same way: their state is written first, and
 * the alerts it caused are raised once it is kept, so a crash between the two cannot replay a fall
 * or a cabinet opening as a new alert. Alerts are raised in the order the engines decided them,
 * even when an earlier write takes longer than a later one.
 */
export function createEvaluateStage(deps: EvaluateDeps): EvaluateStage {
  const { registry, safety, aed, aqhi, ruleState, log } = deps;
  const pendingName = deps.cluster === undefined ? PENDING : `${PENDING}:${deps.cluster.instance}`;
  const community = deps.cluster === undefined ? () => true : deps.cluster.runsCommunity;
  let registryVersion = -1;
  /** The last commit under way: the next one raises its alerts after it. */
  let previous: Promise<void> | undefined;
  /**
   * Batches written with their state and not yet raised. Each state write carries the list, so a
   * crash after it and before the raise leaves the outcomes to `recover`, not lost.
   */
  const pending = new Map<number, PendingBatch>();
  let nextBatch = 0;
  const pendingEntry = (): readonly [string, unknown] => [pendingName, [...pending.values()]];

  /** A raised batch leaves the list; the shorter list is written (a crash before it raises the batch again: deduplicated). */
  function raised(batch: PendingBatch, nowMs: number): void {
    pending.delete(batch.id);
    ruleState.save(pendingName, [...pending.values()], nowMs).catch((err: unknown) => log.error({ err }, 'writing the raised outcomes off failed'));
  }

  /** Cabinets the registry added or changed may bring outcomes of their own. */
  function syncRegistry(nowMs: number): readonly AedOutcome[] {
    if (registry.version === registryVersion) return NOTHING;
    registryVersion = registry.version;
    safety.syncRegistry(nowMs);
    return community() ? aed.syncRegistry(nowMs) : NOTHING;
  }

  /**
   * `saved` was issued already (its place among writes is fixed); `raise` runs once it settled and
   * after the commit before. A write that failed is logged and the alerts still raised: a lost
   * fall is worse than one raised again after a restart.
   */
  function commit(saved: Promise<void>, raise: () => Promise<void>): Promise<void> {
    const before = previous;
    const kept = saved.catch((err: unknown) => log.error({ err }, 'saving rule state failed; raising its alerts anyway'));
    const ready: Promise<unknown> = before === undefined ? kept : Promise.all([before.catch(() => undefined), kept]);
    const done = ready.then(raise);
    previous = done;
    const clear = (): void => {
      if (previous === done) previous = undefined;
    };
    void done.then(clear, clear);
    return done;
  }

  function commitSafety(outcomes: readonly RuleOutcome[], nowMs: number, observed?: string): Promise<void> | undefined {
    if (outcomes.length === 0) return undefined;
    const batch: PendingBatch = { id: nextBatch++, engine: 'safety', outcomes };
    pending.set(batch.id, batch);
    return commit(safety.saveTouched(outcomes, observed, [pendingEntry()]), async () => {
      await safety.raise(outcomes);
      raised(batch, nowMs);
    });
  }

  function commitCabinets(outcomes: readonly AedOutcome[], nowMs: number): Promise<void> | undefined {
    if (outcomes.length === 0) return undefined;
    const batch: PendingBatch = { id: nextBatch++, engine: 'cabinets', outcomes };
    pending.set(batch.id, batch);
    return commit(aed.save([pendingEntry()]), async () => {
      await aed.apply(outcomes);
      raised(batch, nowMs);
    });
  }

  function both(a: Promise<void> | undefined, b: Promise<void> | undefined): Promise<void> | undefined {
    if (a === undefined) return b;
    if (b === undefined) return a;
    return Promise.all([a, b]).then(() => undefined);
  }

  /** In the order decided; an alert raised before the crash is raised again as a repeat of itself. */
  async function raiseBatches(batches: readonly PendingBatch[]): Promise<void> {
    for (const batch of batches) {
      if (batch.engine === 'safety') await safety.raise(batch.outcomes);
      else await aed.apply(batch.outcomes);
    }
  }

  return {
    evaluateMessage(message, device, nowMs) {
      const synced = syncRegistry(nowMs);
      const observed = safety.observe(message, device);
      const safetyOutcomes = observed?.outcomes ?? NOTHING;
      const safetyCommitted = commitSafety(safetyOutcomes, nowMs, observed?.residentId);

      const runsCommunity = community();
      const observedCabinets = runsCommunity ? aed.observe(message, device) : NOTHING;
      const cabinetOutcomes = synced.length === 0 ? observedCabinets : [...synced, ...observedCabinets];
      const cabinetsCommitted = commitCabinets(cabinetOutcomes, nowMs);

      const indexUpdates = runsCommunity && message.channel === 'telemetry' ? aqhi.handleReading(message.reading, device) : NOTHING;
      return { safety: safetyOutcomes, aed: cabinetOutcomes, aqhi: indexUpdates, committed: both(safetyCommitted, cabinetsCommitted) };
    },

    async tick(nowMs) {
      const synced = syncRegistry(nowMs);
      const safetyOutcomes = safety.tick(nowMs);
      const safetyCommitted = commitSafety(safetyOutcomes, nowMs);
      const runsCommunity = community();
      const cabinetOutcomes = runsCommunity ? [...synced, ...aed.tick(nowMs)] : synced;
      const cabinetsCommitted = commitCabinets(cabinetOutcomes, nowMs);
      const committed = both(safetyCommitted, cabinetsCommitted);
      try {
        await committed;
      } finally {
        if (runsCommunity) await aed.tickDispatches(nowMs);
        // Residents observed since the last save; a tick's own outcomes were saved above.
        await safety.saveIfDue(nowMs);
      }
      return { safety: safetyOutcomes, aed: cabinetOutcomes, aqhi: NOTHING, committed };
    },

    async recover(nowMs) {
      const kept = await ruleState.load(pendingName);
      const batches = Array.isArray(kept) ? (kept as PendingBatch[]) : [];
      if (batches.length === 0) return 0;
      log.warn({ batches: batches.length }, 'raising outcomes decided before a crash and not yet raised');
      await raiseBatches(batches);
      await ruleState.save(pendingName, [], nowMs);
      return batches.length;
    },

    async recoverFrom(instances, taking, cabinets, nowMs) {
      let outcomes = 0;
      for (const instance of instances) {
        const name = `${PENDING}:${instance}`;
        const kept = await ruleState.load(name);
        if (!Array.isArray(kept) || kept.length === 0) continue;
        const taken: PendingBatch[] = [];
        const left: PendingBatch[] = [];
        for (const batch of kept as PendingBatch[]) {
          if (batch.engine === 'cabinets') (cabinets ? taken : left).push(batch);
          else {
            const mine = batch.outcomes.filter((o) => taking(o.subject));
            const theirs = batch.outcomes.filter((o) => !taking(o.subject));
            if (mine.length > 0) taken.push({ ...batch, outcomes: mine });
            if (theirs.length > 0) left.push({ ...batch, outcomes: theirs });
          }
        }
        if (taken.length === 0) continue;
        log.warn({ instance, batches: taken.length }, 'raising outcomes a gateway that died decided and kept, and did not raise');
        await raiseBatches(taken);
        await ruleState.save(name, left, nowMs);
        outcomes += taken.reduce((n, b) => n + b.outcomes.length, 0);
      }
      return outcomes;
    },

    resync() {
      registryVersion = -1;
    },
  };
}
