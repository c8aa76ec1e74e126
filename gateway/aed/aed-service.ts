import type { Logger } from 'pino';
import type { DecodedMessage } from '../../sensors/index.js';
import {
  acceptDispatch,
  createAedCabinetEngine,
  declineDispatch,
  dispatchMetrics,
  findNearestUsableAeds,
  linkIncidents,
  nextWorkingTimeMs,
  readinessByGrid,
  startDispatch,
  stopDispatch,
  tickDispatch,
  type AedOutcome,
  type AedSite,
  type CabinetSummary,
  type DispatchAction,
  type DispatchState,
  type NearestResult,
  type ResponderCandidate,
} from '../../rules/aed/index.js';
import type { Alert } from '../../rules/safety/index.js';
import type { NearestAedFinder } from '../alerts/alert-context.js';
import type { AlertService } from '../alerts/alert-service.js';
import { isDrill } from '../alerts/drill-marker.js';
import { namesList, systemNote, type SystemNoteCode } from '../alerts/system-notes.js';
import { cabinetNote } from './cabinet-notes.js';
import { resolvePerson } from '../pager/recipients.js';
import type { RuleStateStore, StateEntry } from '../alerts/rule-state-store.js';
import type { GatewayMetrics } from '../metrics.js';
import type { DeploymentSettings } from '../registry/provision.js';
import type { Registry } from '../registry/registry.js';
import type { DeviceEntity } from '../registry/schemas.js';

const CABINETS_STATE = 'aed-cabinets';
const DISPATCH_STATE = 'aed-dispatches';
/** Alerts need a grid; a cabinet registered without one is still an alert (admins see it). */
const NO_GRID = 'none';

export interface AedServiceDeps {
  registry: Registry;
  alerts: AlertService;
  ruleState: RuleStateStore;
  settings: DeploymentSettings;
  metrics: GatewayMetrics;
  log: Logger;
  now(): number;
  /**
   * Several gateways: whether this one runs the cabinets now. The one that does tracks them; the
   * others leave the saved state alone and read it again when the cabinets come to them.
   */
  ownership?: {
    runsCabinets(): boolean;
    /** A responder's answer or a guardian's restock that reached this gateway, kept for the one that runs the cabinets. */
    passOn(change: CabinetChange): Promise<void>;
  };
}

export type DispatchAnswer = 'accept' | 'decline';

/** A change of the cabinets asked on a gateway that does not run them, for the one that does. */
export type CabinetChange =
  | { channel: 'dispatchAnswer'; alertId: string; responderId: string; answer: DispatchAnswer }
  | { channel: 'restockConfirmed'; aedId: string; by: string };

/**
 * Emergencies open cabinets on purpose (an unlock for their responder): such an opening is
 * expected, not an `aed_opened` alarm, and the restock after it belongs to that emergency.
 */
export interface CabinetOpeningHook {
  /** True when an emergency's responder was sent to this cabinet: no alert is raised. */
  explainOpening(aedId: string, atMs: number): boolean;
  /** True when the emergency that explained the opening takes the restock request. */
  restockAfterExplained(aedId: string, guardian: string | null, atMs: number): boolean;
}

export interface AedService {
  /** Follows registry edits (cabinets added, moved, removed); what tracking them found. Cheap when the registry is unchanged. */
  syncRegistry(nowMs: number): AedOutcome[];
  /** Runs one stored message through the cabinet engine; nothing for a device that is not a cabinet's. */
  observe(message: DecodedMessage, device: DeviceEntity): AedOutcome[];
  /** Cabinet timers (heartbeat, daily expiry check): what fell due. */
  tick(nowMs: number): AedOutcome[];
  /**
   * Starts saving the cabinets' state as it is now (with the dispatches, and `alongside` in the
   * same write); resolves once it is kept. Called before `apply`: a crash between them cannot
   * raise a cabinet's alert a second time.
   */
  save(alongside?: readonly StateEntry[]): Promise<void>;
  /** Raises, clears and notes what the outcomes say (the cabinets' state already saved), then saves the dispatches it started. */
  apply(outcomes: readonly AedOutcome[]): Promise<void>;
  /** Dispatch deadlines: responders who did not answer, a wider radius. */
  tickDispatches(nowMs: number): Promise<void>;
  /** A responder's answer to a dispatch page; `ignored` says why nothing changed. */
  respond(alertId: string, responderId: string, answer: DispatchAnswer): Promise<{ found: boolean; ignored?: string }>;
  nearest(at: { lat: number; lon: number }, nowMs: number, limit: number): NearestResult;
  /** For pages and alert views: the usable AEDs only. */
  readonly nearestForPages: NearestAedFinder;
  dispatch(alertId: string): DispatchState | undefined;
  /** A drill's cabinet opening: the nearest responders to the drill's place are asked, as for a real one. */
  openDrillIncident(alert: Alert, at: { lat: number; lon: number }): void;
  /** A cabinet's state as the engine knows it (status, expiry dates in force, restock pending). */
  cabinet(aedId: string): CabinetSummary | undefined;
  confirmRestock(aedId: string, by: string): Promise<void>;
  /** Every registered AED, and what the cabinet engine knows of each (for emergency planning). */
  sites(): AedSite[];
  cabinets(): Readonly<Record<string, CabinetSummary | undefined>>;
  setOpeningHook(hook: CabinetOpeningHook): void;
  /** Several gateways: reads the cabinets and dispatches as their last owner saved them, on taking them over. */
  reload(): Promise<void>;
}

function siteOf(aed: ReturnType<Registry['list']>[number] & { lat: number; lon: number }): AedSite {
  return aed as AedSite;
}

/**
 * AED cabinets: their state and faults (rules/aed), `aed_opened` incidents with the responder
 * dispatch, the guardian's pages at working hours, and links between an opened cabinet and a
 * resident's fall or SOS nearby.
 */
export async function createAedService(deps: AedServiceDeps): Promise<AedService> {
  const { registry, alerts, log, metrics } = deps;
  const timeZone = deps.settings.timeZone;
  const rules = deps.settings.rules;
  const cabinets = createAedCabinetEngine({ timeZone });
  const dispatches = new Map<string, DispatchState>();
  async function load(): Promise<void> {
    const restored = cabinets.restore((await deps.ruleState.load(CABINETS_STATE)) ?? { version: 0 });
    if (!restored.ok) log.info('no saved cabinet state; starting fresh');
    dispatches.clear();
    for (const [id, state] of Object.entries(((await deps.ruleState.load(DISPATCH_STATE)) as Record<string, DispatchState> | undefined) ?? {})) dispatches.set(id, state);
  }
  await load();
  let registryVersion = -1;
  let openingHook: CabinetOpeningHook | undefined;

  const aedSites = (): AedSite[] => registry.list('aeds').map(siteOf);
  const responders = (): ResponderCandidate[] =>
    registry.list('responders').map((r) => ({
      id: r.id,
      available: r.available,
      ...(r.certifiedUntil === undefined ? {} : { certifiedUntil: r.certifiedUntil }),
      ...(r.lat === undefined || r.lon === undefined ? {} : { lat: r.lat, lon: r.lon }),
    }));

  /** Issues the write now (its order among writes is fixed here); resolves once it is kept. */
  function save(alongside: readonly StateEntry[] = []): Promise<void> {
    return deps.ruleState.saveMany(
      [
        ...alongside,
        [CABINETS_STATE, cabinets.snapshot()],
        [DISPATCH_STATE, Object.fromEntries(dispatches)],
      ],
      deps.now(),
    );
  }

  /** For changes outside the evaluate stage's path (a responder's answer, a drill): a failed save is logged. */
  function saveLogged(): Promise<void> {
    // The gateway that runs the cabinets keeps their state; another one's copy is not written over it.
    if (deps.ownership !== undefined && !deps.ownership.runsCabinets()) {
      log.warn('a cabinet change made on a gateway that does not run the cabinets; not kept');
      return Promise.resolve();
    }
    return save().catch((err: unknown) => log.error({ err }, 'saving cabinet state failed'));
  }

  /** Outcomes met outside the evaluate stage (tracking at start, a confirmed restock): state first, then alerts. */
  async function commit(outcomes: readonly AedOutcome[]): Promise<void> {
    if (outcomes.length === 0) return;
    await save();
    await handle(outcomes);
  }

  function updateReadiness(nowMs: number): void {
    for (const [grid, r] of Object.entries(readinessByGrid(aedSites(), cabinets.summaries(), nowMs, timeZone))) {
      metrics.aedReadiness.set({ grid: grid === '' ? NO_GRID : grid }, r.share);
    }
  }

  function syncCabinets(nowMs: number): AedOutcome[] {
    if (registry.version === registryVersion) return [];
    registryVersion = registry.version;
    return aedSites().flatMap((aed) => cabinets.track(aed, nowMs));
  }

  /** Alert changes are committed in the order asked; one that fails is logged, the cabinet goes on. */
  const failed = (what: string) => (err: unknown) => log.error({ err }, what);

  function note(alertId: string, code: SystemNoteCode, params: Record<string, string | number>): void {
    alerts.record(alertId, systemNote(code, params, deps.now())).catch(failed('a cabinet note was not recorded'));
  }
  const nameOf = (id: string): string => resolvePerson(registry, id)?.name ?? id;
  const placeOf = (aedId: string): string => registry.get('aeds', aedId)?.description ?? 'the AED cabinet';

  function applyDispatch(alert: Alert, state: DispatchState, actions: readonly DispatchAction[]): void {
    dispatches.set(alert.id, state);
    for (const action of actions) {
      switch (action.type) {
        case 'page':
          note(alert.id, 'responderPaged', { name: nameOf(action.responderId), distanceM: Math.round(action.distanceM) });
          alerts.pageDirect(alert.id, [action.responderId], { reason: 'dispatch', role: 'responder' }).catch(failed('a responder was not paged'));
          break;
        case 'timedOut':
          note(alert.id, 'responderTimedOut', { name: nameOf(action.responderId) });
          break;
        case 'cancel':
          note(alert.id, 'responderReleased', { name: nameOf(action.responderId) });
          break;
        case 'widen':
          note(alert.id, 'radiusWidened', { fromM: action.fromM, toM: action.toM });
          break;
        case 'stop':
          note(alert.id, action.reason === 'enough_accepted' ? 'dispatchFilled' : action.reason === 'no_more_responders' ? 'dispatchExhausted' : 'dispatchStopped', {
            accepted: namesList(action.acceptedIds.map(nameOf), 'en'),
            acceptedZh: namesList(action.acceptedIds.map(nameOf), 'zh'),
          });
          break;
      }
    }
  }

  function openIncident(alert: Alert, nowMs: number, at?: { lat: number; lon: number }): void {
    if (dispatches.has(alert.id)) return;
    const aed = registry.get('aeds', alert.subject);
    const origin = at ?? (aed === undefined ? undefined : { lat: aed.lat, lon: aed.lon });
    if (origin === undefined) return;
    const start = startDispatch({ incidentId: alert.id, origin, responders: responders(), nowMs, timeZone, config: rules.aedOpened ?? {} });
    if (start.excluded.length > 0) log.info({ alertId: alert.id, excluded: start.excluded }, 'responders not asked');
    applyDispatch(alert, start.state, start.actions);
  }

  function pageGuardian(alertId: string, guardian: string | undefined | null, nowMs: number): void {
    if (guardian === undefined || guardian === null) return;
    alerts.pageDirect(alertId, [guardian], { reason: 'notice', role: 'guardian', notBeforeMs: nextWorkingTimeMs(nowMs, timeZone) }).catch(failed('the guardian was not paged'));
  }

  async function handle(outcomes: readonly AedOutcome[]): Promise<void> {
    if (outcomes.length === 0) return;
    const nowMs = deps.now();
    for (const outcome of outcomes) {
      try {
        switch (outcome.type) {
          case 'raise': {
            if (outcome.kind === 'aed_opened' && openingHook?.explainOpening(outcome.subject, outcome.occurredAtMs) === true) break;
            const alert = await alerts.raise({
              kind: outcome.kind,
              severity: outcome.severity,
              subject: outcome.subject,
              grid: outcome.grid ?? NO_GRID,
              details: outcome.details,
              occurredAtMs: outcome.occurredAtMs,
              dedupKey: outcome.dedupKey,
            });
            if (alert.occurrences > 1) break;
            if (outcome.kind === 'aed_opened') openIncident(alert, nowMs);
            else pageGuardian(alert.id, registry.get('aeds', outcome.subject)?.guardian, nowMs);
            break;
          }
          case 'clear':
            await alerts.clear(outcome.dedupKey, outcome.occurredAtMs);
            break;
          case 'note': {
            const alert = alerts.activeFor(outcome.subject, outcome.kind, outcome.dedupKey);
            if (alert !== undefined) await alerts.record(alert.id, cabinetNote(outcome, deps.now(), nameOf));
            break;
          }
          case 'restockRequested': {
            if (openingHook?.restockAfterExplained(outcome.subject, outcome.guardian, outcome.occurredAtMs) === true) break;
            const [incident] = await alerts.list({ subject: outcome.subject, kinds: ['aed_opened'], limit: 1 });
            if (incident !== undefined) {
              if (outcome.guardian === undefined || outcome.guardian === null) note(incident.id, 'guardianNone', {});
              else note(incident.id, 'guardianAsked', { guardian: nameOf(outcome.guardian) });
              pageGuardian(incident.id, outcome.guardian, nowMs);
            }
            break;
          }
          case 'stateChanged':
            log.info({ aedId: outcome.subject, from: outcome.from, to: outcome.to, reason: outcome.reason }, 'cabinet state changed');
            break;
        }
      } catch (err) {
        log.error({ err, outcome }, 'applying a cabinet outcome failed');
      }
    }
    updateReadiness(nowMs);
    // The dispatches the outcomes started or changed.
    await save();
  }

  function observe(message: DecodedMessage, device: DeviceEntity): AedOutcome[] {
    if (device.kind !== 'aed' || device.aed === undefined) return [];
    const entity = registry.get('aeds', device.aed);
    if (entity === undefined) return [];
    const aed = siteOf(entity);
    switch (message.channel) {
      case 'telemetry':
        return message.reading.kind === 'aed' ? cabinets.onReading(message.reading, aed) : [];
      case 'events':
        return message.event.kind === 'aed' ? cabinets.onEvent(message.event, aed) : [];
      case 'status':
        return cabinets.onStatus(message.status, aed);
    }
  }

  // A fall or SOS and an opened cabinet close together in place and time are one incident.
  alerts.events.on('changed', (alert, events) => {
    // A drill is linked with nothing real.
    if (!events.includes('alertRaised') || isDrill(alert)) return;
    if (alert.kind === 'aed_opened') {
      const aed = registry.get('aeds', alert.subject);
      if (aed === undefined) return;
      for (const other of alerts.activeAlerts()) if (other.kind === 'fall' || other.kind === 'sos') linkIfClose(other, alert, aed);
    } else if (alert.kind === 'fall' || alert.kind === 'sos') {
      for (const other of alerts.activeAlerts()) {
        const aed = other.kind === 'aed_opened' ? registry.get('aeds', other.subject) : undefined;
        if (aed !== undefined) linkIfClose(alert, other, aed);
      }
    }
  });
  // A resolved incident needs no more responders.
  alerts.events.on('changed', (alert, events) => {
    if (alert.kind !== 'aed_opened' || !events.includes('alertResolved')) return;
    const state = dispatches.get(alert.id);
    if (state === undefined) return;
    const step = stopDispatch(state, deps.now());
    dispatches.delete(alert.id);
    if (step.actions.length > 0) applyDispatch(alert, step.state, step.actions);
    dispatches.delete(alert.id);
    void saveLogged();
  });

  function linkIfClose(resident: Alert, incident: Alert, aed: { lat: number; lon: number }): void {
    const lat = resident.details.lat;
    const lon = resident.details.lon;
    const link = linkIncidents(
      { kind: resident.kind as 'fall' | 'sos', atMs: resident.createdAt, ...(typeof lat === 'number' && typeof lon === 'number' ? { lat, lon } : {}) },
      { atMs: incident.createdAt, lat: aed.lat, lon: aed.lon },
    );
    if (!link.linked) return;
    const where = `${Math.round(link.distanceM)} m and ${Math.round(link.apartS / 60)} min apart`;
    const whereZh = `相距 ${Math.round(link.distanceM)} 米、${Math.round(link.apartS / 60)} 分钟`;
    note(resident.id, 'linkedCabinet', { place: placeOf(incident.subject), where, whereZh, alertId: incident.id });
    const who = registry.get('residents', resident.subject)?.name ?? 'a resident';
    note(incident.id, 'linkedResident', { kind: resident.kind, kindZh: resident.kind === 'fall' ? '跌倒' : '呼救', name: who, where, whereZh, alertId: resident.id });
  }

  if (deps.ownership === undefined) await commit(syncCabinets(deps.now()));
  updateReadiness(deps.now());

  return {
    syncRegistry: syncCabinets,
    observe,
    tick: (nowMs) => cabinets.tick(nowMs),
    save,
    apply: handle,
    async tickDispatches(nowMs) {
      let changed = false;
      for (const [alertId, state] of dispatches) {
        const step = tickDispatch(state, nowMs);
        if (step.actions.length === 0) continue;
        const alert = alerts.activeAlert(alertId);
        if (alert !== undefined) applyDispatch(alert, step.state, step.actions);
        changed = true;
      }
      if (changed) await saveLogged();
    },
    async respond(alertId, responderId, answer) {
      if (deps.ownership !== undefined && !deps.ownership.runsCabinets()) {
        if (alerts.activeAlert(alertId)?.kind !== 'aed_opened') return { found: false };
        await deps.ownership.passOn({ channel: 'dispatchAnswer', alertId, responderId, answer });
        return { found: true };
      }
      const state = dispatches.get(alertId);
      // A dispatch lasts while its incident is open (resolving it stops the dispatch).
      const alert = alerts.activeAlert(alertId);
      if (state === undefined || alert === undefined) return { found: false };
      const nowMs = deps.now();
      const step = answer === 'accept' ? acceptDispatch(state, responderId, nowMs) : declineDispatch(state, responderId, nowMs);
      if (step.ignored !== undefined) return { found: true, ignored: step.ignored };
      note(alert.id, answer === 'accept' ? 'responderAccepted' : 'responderDeclined', { name: nameOf(responderId) });
      const before = dispatchMetrics(state).timeToFirstAcceptMs;
      const after = dispatchMetrics(step.state).timeToFirstAcceptMs;
      if (before === null && after !== null && !isDrill(alert)) metrics.aedTimeToFirstAccept.observe({ grid: alert.grid }, after / 1000);
      applyDispatch(alert, step.state, step.actions);
      await saveLogged();
      return { found: true };
    },
    nearest(at, nowMs, limit) {
      return findNearestUsableAeds({ aeds: aedSites(), states: cabinets.summaries(), at, nowMs, timeZone, limit });
    },
    nearestForPages: (at, nowMs, limit) =>
      findNearestUsableAeds({ aeds: aedSites(), states: cabinets.summaries(), at, nowMs, timeZone, limit }).aeds.map((a) => ({
        id: a.id,
        lat: a.lat,
        lon: a.lon,
        distanceM: Math.round(a.distanceM),
        description: a.description ?? null,
        floor: a.floor ?? null,
      })),
    dispatch: (alertId) => dispatches.get(alertId),
    openDrillIncident(alert, at) {
      openIncident(alert, deps.now(), at);
      void saveLogged();
    },
    cabinet: (aedId) => cabinets.summaries()[aedId],
    confirmRestock: (aedId, by) =>
      deps.ownership !== undefined && !deps.ownership.runsCabinets()
        ? deps.ownership.passOn({ channel: 'restockConfirmed', aedId, by })
        : commit(cabinets.confirmRestock(aedId, { by, atMs: deps.now() })),
    sites: aedSites,
    cabinets: () => cabinets.summaries(),
    setOpeningHook(hook) {
      openingHook = hook;
    },
    async reload() {
      await load();
      registryVersion = -1;
      updateReadiness(deps.now());
    },
  };
}
