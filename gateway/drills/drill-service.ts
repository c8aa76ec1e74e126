import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { AlertKind } from '../../rules/safety/index.js';
import type { AedService } from '../aed/aed-service.js';
import type { AlertService } from '../alerts/alert-service.js';
import { DRILL_MARK, drillDedupKey, drillIdOf } from '../alerts/drill-marker.js';
import { escalationStepsFor, resolvePerson } from '../pager/recipients.js';
import type { Registry } from '../registry/registry.js';
import { oneAtATime } from '../store/one-at-a-time.js';
import { buildDrillReport, type DrillReport } from './drill-report.js';
import type { Drill, DrillScenario, DrillStore } from './drill-store.js';
import type { GatewayErrorCode } from '../errors/gateway-errors.js';

export interface DrillServiceDeps {
  store: DrillStore;
  registry: Registry;
  alerts: AlertService;
  aed: AedService;
  log: Logger;
  now(): number;
  /** A drill nobody resolved ends by itself after this long. */
  maxDurationS: number;
  /** The fall rule's cancel window for a resident of the grid (or anyone there when null). */
  fallCancelWindowS(grid: string, resident: string | null): number;
}

export interface StartDrillInput {
  grid: string;
  scenario: DrillScenario;
  at: { lat: number; lon: number };
  resident?: string;
}

/** A drill that cannot start as asked; `message` says why in words. */
export class DrillError extends Error {
  override name = 'DrillError';
  readonly gatewayCode: GatewayErrorCode = 'GW_ERR_DRILL_INVALID';
}

const SUMMARY: Record<DrillScenario, string> = {
  fall: `${DRILL_MARK} 跌倒演练，不是真实事件 A practice fall, not a real emergency`,
  sos: `${DRILL_MARK} 一键呼救演练，不是真实事件 A practice SOS call, not a real emergency`,
  aed_opened: `${DRILL_MARK} AED取用演练，不是真实事件 A practice AED run, not a real emergency`,
};

/**
 * Emergency drills (CONTRACT.md §6): a scripted fall, SOS or cabinet opening at a chosen place
 * raised as a marked alert through the real escalation, pager and channels (and, for a cabinet,
 * the real responder dispatch), and a report once it is over.
 */
export class DrillService {
  private readonly store: DrillStore;
  /** Changes of drills, one at a time: each reads a drill and writes it back whole. */
  private readonly serial = oneAtATime();

  constructor(private readonly deps: DrillServiceDeps) {
    this.store = deps.store;
    deps.alerts.events.on('ackRequested', (alert, by, atMs) => {
      const id = drillIdOf(alert);
      if (id !== null) this.store.recordAck(id, by, atMs).catch((err: unknown) => deps.log.error({ err, drillId: id, by }, 'a drill ack was not recorded'));
    });
    deps.alerts.events.on('changed', (alert) => {
      const id = drillIdOf(alert);
      if (id === null) return;
      // Taken as the alert changes: the live dispatch is dropped when the alert closes.
      const seen = { dispatch: deps.aed.dispatch(alert.id), atMs: deps.now(), resolvedAtMs: alert.state === 'resolved' ? (alert.resolvedAt ?? deps.now()) : null };
      this.serial(() => this.follow(id, seen)).catch((err: unknown) => deps.log.error({ err, drillId: id }, 'a drill did not follow its alert'));
    });
  }

  start(input: StartDrillInput, startedBy: string): Promise<Drill> {
    return this.serial(() => this.begin(input, startedBy));
  }

  private async begin(input: StartDrillInput, startedBy: string): Promise<Drill> {
    const { registry } = this.deps;
    const grid = registry.get('grids', input.grid);
    if (grid === undefined) throw new DrillError(`no grid "${input.grid}"`);
    if (input.resident !== undefined) {
      const resident = registry.get('residents', input.resident);
      if (resident === undefined) throw new DrillError(`no resident "${input.resident}"`);
      if (resident.grid !== grid.id) throw new DrillError(`${resident.name} does not live in ${grid.name}`);
    }
    const nowMs = this.deps.now();
    const aed = input.scenario === 'aed_opened' ? (this.deps.aed.nearestForPages(input.at, nowMs, 1)[0]?.id ?? null) : null;
    const id = randomUUID();
    const drill: Drill = {
      id,
      grid: grid.id,
      scenario: input.scenario,
      at: input.at,
      resident: input.resident ?? null,
      aed,
      startedBy,
      startedAtMs: nowMs,
      alertId: null,
      endedAtMs: null,
      endReason: null,
      dispatch: null,
    };
    // A staged fall waits out the cancel window like a real one: nobody is paged inside it.
    const windowS = input.scenario === 'fall' ? this.deps.fallCancelWindowS(grid.id, drill.resident) : 0;
    drill.raiseAtMs = nowMs + windowS * 1000;
    // Recorded before the alert: a crash between the two leaves a drill without an alert (raised
    // by the next tick), never an unmarked alert.
    await this.store.save(drill);
    this.deps.log.info({ drillId: id, grid: grid.id, scenario: input.scenario, startedBy, raiseAtMs: drill.raiseAtMs }, 'drill started');
    if (windowS > 0) return drill;
    return this.raise(drill, nowMs);
  }

  /** The drill's marked alert, raised once (a restart between raising and saving finds it again). */
  private async raise(drill: Drill, nowMs: number): Promise<Drill> {
    const kind: AlertKind = drill.scenario;
    const subject = drill.resident ?? drill.aed ?? drill.id;
    const dedupKey = drillDedupKey(drill.id);
    const alert =
      this.deps.alerts.activeFor(subject, kind, dedupKey) ??
      (await this.deps.alerts.raise({
        kind,
        severity: 'critical',
        subject,
        grid: drill.grid,
        details: { drill: drill.id, scenario: drill.scenario, lat: drill.at.lat, lon: drill.at.lon, summary: SUMMARY[drill.scenario] },
        occurredAtMs: nowMs,
        dedupKey,
        source: 'drill',
      }));
    const saved = { ...((await this.store.get(drill.id)) ?? drill), alertId: alert.id };
    await this.store.save(saved);
    if (drill.scenario === 'aed_opened') this.deps.aed.openDrillIncident(alert, drill.at);
    this.deps.log.info({ drillId: drill.id, alertId: alert.id }, 'drill alert raised');
    return (await this.store.get(drill.id)) ?? saved;
  }

  get(id: string): Promise<Drill | undefined> {
    return this.store.get(id);
  }

  list(grids: readonly string[] | undefined): Promise<Drill[]> {
    return this.store.list(grids);
  }

  async report(drill: Drill, withPrevious = true): Promise<DrillReport> {
    const { registry } = this.deps;
    const alert = drill.alertId === null ? undefined : await this.deps.alerts.get(drill.alertId);
    const previousDrill = withPrevious ? await this.store.previous(drill) : undefined;
    return buildDrillReport({
      drill,
      alert,
      acks: await this.store.acks(drill.id),
      steps: escalationStepsFor(registry, { grid: drill.grid, kind: drill.scenario }),
      name: (kind, id) => {
        if (kind === 'grid') return registry.get('grids', id)?.name ?? id;
        if (kind === 'resident') return registry.get('residents', id)?.name ?? id;
        if (kind === 'aed') return registry.get('aeds', id)?.description ?? '—';
        if (id === 'admin') return 'administrator 管理员';
        return resolvePerson(registry, id)?.name ?? id;
      },
      aedDescription: (id) => registry.get('aeds', id)?.description ?? null,
      previous: previousDrill === undefined ? null : await this.report(previousDrill, false),
    });
  }

  /** Raises the staged falls whose cancel window is over; ends drills that ran past their time (their alert is resolved, which ends the drill). */
  tick(nowMs: number): Promise<void> {
    return this.serial(() => this.endOrRaise(nowMs));
  }

  private async endOrRaise(nowMs: number): Promise<void> {
    for (const drill of await this.store.running()) {
      if (drill.alertId === null && drill.raiseAtMs !== undefined && nowMs >= drill.raiseAtMs) {
        await this.raise(drill, nowMs);
        continue;
      }
      if (nowMs < drill.startedAtMs + this.deps.maxDurationS * 1000) continue;
      if (drill.alertId !== null && (await this.deps.alerts.get(drill.alertId))?.state !== 'resolved') {
        await this.deps.alerts.resolve(drill.alertId, 'drill', 'Drill over: time up 演练时间到');
      }
      const after = await this.store.get(drill.id);
      if (after !== undefined && after.endedAtMs === null) await this.store.save({ ...after, endedAtMs: nowMs, endReason: 'time_up' });
    }
  }

  /** Keeps the drill's copy of the dispatch, and ends the drill when its alert is resolved. */
  private async follow(id: string, seen: { dispatch: Drill['dispatch'] | undefined; atMs: number; resolvedAtMs: number | null }): Promise<void> {
    const drill = await this.store.get(id);
    if (drill === undefined || drill.alertId === null || drill.endedAtMs !== null) return;
    const dispatch = seen.dispatch ?? drill.dispatch;
    const timeUp = seen.atMs >= drill.startedAtMs + this.deps.maxDurationS * 1000;
    const { resolvedAtMs } = seen;
    const ended = resolvedAtMs === null ? {} : { endedAtMs: resolvedAtMs, endReason: timeUp ? ('time_up' as const) : ('resolved' as const) };
    await this.store.save({ ...drill, dispatch, ...ended });
  }
}
