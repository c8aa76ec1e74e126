import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import {
  answerRun,
  dropSilentAedRunners,
  nextWorkingTimeMs,
  noteSignOfLife,
  resolveDispatchConfig,
  startEmergencyDispatch,
  stopEmergencyDispatch,
  tickEmergencyDispatch,
  usableAedsNear,
  type DispatchConfig,
  type EmergencyDispatchState,
  type PlanningView,
  type ResponderCandidate,
  type RunAnswer,
  type RunIgnored,
} from '../../rules/aed/index.js';
import type { AedService } from '../aed/aed-service.js';
import type { Publish } from '../streams/mqtt-publish.js';
import type { GatewayConfig } from '../config/config.js';
import { SseHub } from '../streams/sse-hub.js';
import type { GatewayMetrics } from '../metrics.js';
import { resolvePerson } from '../pager/recipients.js';
import type { DeploymentSettings } from '../registry/provision.js';
import type { Registry } from '../registry/registry.js';
import type { EmergencyLinks } from './emergency-links.js';
import type { EmergencyMessenger } from './emergency-messenger.js';
import { redoneOnEmergencyConflict, type Emergency, type EmergencyKind, type EmergencyListFilter, type EmergencySource, type EmergencyStore, type NewEmergencyMessage } from './emergency-store.js';
import { centreText, positionText, restockText } from './emergency-texts.js';
import { aedName, presentEmergency, responderName, type EmergencyView, type ViewSources } from './emergency-view.js';
import { emergencyActions } from './emergency-actions.js';
import { changesMadeElsewhere } from './emergency-followed.js';
import { locateEmergency } from './locate.js';
import { PositionThrottle } from './position-throttle.js';
import { oneAtATime } from '../store/one-at-a-time.js';

/** One change as the stream and the centre's notices carry it. */
export interface EmergencyChangeMessage {
  change: string[];
  emergency: EmergencyView;
}

export interface NewEmergency {
  ref: string;
  kind: EmergencyKind;
  lat: number;
  lon: number;
  address?: string;
  note?: string;
  resident?: string;
  alertId?: string;
}

export type AnswerResult = { outcome: 'not_found' } | { outcome: 'ignored'; ignored: RunIgnored; emergency: Emergency } | { outcome: 'changed'; emergency: Emergency };

export interface EmergencyServiceDeps {
  store: EmergencyStore;
  messenger: EmergencyMessenger;
  registry: Registry;
  aed: AedService;
  settings: DeploymentSettings;
  config: GatewayConfig['emergencies'];
  links: EmergencyLinks;
  publish: Publish;
  metrics: GatewayMetrics;
  log: Logger;
  now(): number;
  /** Several gateways on one store: whether this one runs the answer deadlines and unlocks (one does); always without. */
  runsTicks?(): boolean;
}

const BUSY = new Set(['asked', 'accepted', 'aed_collected', 'on_scene']);
/** Runs whose responder's position the centre hears of. */
const ON_THE_WAY = new Set(['accepted', 'aed_collected']);
const ANSWER_CHANGE: Record<RunAnswer, string> = { accept: 'responder_accepted', decline: 'responder_declined', aed_collected: 'aed_collected', on_scene: 'responder_on_scene' };
/** How long after it was created a closed emergency can still explain a cabinet's restock. */
const RESTOCK_LOOKBACK_MS = 24 * 3600_000;
/** Several gateways: the ticking one resends an unlock only once the gateway that issued it has had this long to send it. */
const UNLOCK_RESEND_AFTER_MS = 10_000;

/**
 * Emergencies from outside and from the gateway's own rules: the responders' runs (rules/aed),
 * their pages and the centre's notices through a durable outbox, cabinet unlocks, the
 * dispatcher's stream. Every change is one write with its messages, only over the stored emergency
 * it was made from (gateways may share the store); changes run one at a time. Resolves once read.
 */
export async function createEmergencyService(deps: EmergencyServiceDeps) {
  const { store, registry, log } = deps;
  const hub = new SseHub<EmergencyChangeMessage>();
  const active = new Map((await store.listActive()).map((e) => [e.id, e]));
  /** Closed emergencies created within RESTOCK_LOOKBACK_MS: the cabinets' hook asks of them at once. */
  const recentlyClosed = new Map((await store.list({ state: 'closed', sinceMs: deps.now() - RESTOCK_LOOKBACK_MS, limit: 200 })).map((e) => [e.id, e]));
  const serial = oneAtATime();
  const redoneOnConflict = <T>(id: string, change: (attempt: number) => Promise<T>): Promise<T> => redoneOnEmergencyConflict(log, id, change);
  const dispatchConfig = (deps.settings.rules.aedOpened ?? {}) as Partial<DispatchConfig>;
  const maxRadiusM = resolveDispatchConfig(dispatchConfig).maxRadiusM;
  const sources: ViewSources = { registry, cabinets: () => deps.aed.cabinets(), messages: (id) => store.messagesOf(id) };
  const positions = new PositionThrottle(deps.config.positionEveryS * 1000);
  const unlocksInFlight = new Set<string>();

  function busyResponders(except: string | null): Set<string> {
    const busy = new Set<string>();
    for (const e of active.values()) if (e.id !== except) for (const r of e.dispatch.runs) if (BUSY.has(r.state)) busy.add(r.responderId);
    return busy;
  }

  /** Responders who could be asked: a box around the patient first (the city's others are beyond the widest radius anyway). */
  function candidates(emergencyId: string, patient: { lat: number; lon: number }): ResponderCandidate[] {
    const busy = busyResponders(emergencyId);
    const dLat = (maxRadiusM * 1.01) / 111_000;
    const dLon = dLat / Math.max(0.01, Math.cos((patient.lat * Math.PI) / 180));
    const near = (r: { lat?: number; lon?: number }) => r.lat !== undefined && r.lon !== undefined && Math.abs(r.lat - patient.lat) <= dLat && Math.abs(r.lon - patient.lon) <= dLon;
    return registry.list('responders').filter(near).map((r) => ({
      id: r.id,
      available: r.available && !busy.has(r.id),
      ...(r.certifiedUntil === undefined ? {} : { certifiedUntil: r.certifiedUntil }),
      ...(r.lat === undefined || r.lon === undefined ? {} : { lat: r.lat, lon: r.lon }),
    }));
  }

  function planningView(emergency: Pick<Emergency, 'id' | 'lat' | 'lon'>, nowMs: number): PlanningView {
    const claimedElsewhere = new Set<string>();
    for (const e of active.values()) {
      if (e.id === emergency.id) continue;
      for (const r of e.dispatch.runs) if (r.aedId !== null && (r.state === 'asked' || r.state === 'accepted')) claimedElsewhere.add(r.aedId);
    }
    const positions: Record<string, { lat: number; lon: number }> = {};
    for (const r of registry.list('responders')) if (r.lat !== undefined && r.lon !== undefined) positions[r.id] = { lat: r.lat, lon: r.lon };
    const aeds = usableAedsNear({ aeds: deps.aed.sites(), states: deps.aed.cabinets(), patient: emergency, withinM: deps.config.aedSearchM, nowMs, timeZone: deps.settings.timeZone });
    return { aeds, positions, claimedElsewhere };
  }

  const { note, apply } = emergencyActions({ registry, links: deps.links, unlockValidS: deps.config.unlockValidS });

  /** Saves the change, made from basedOn, with its messages (and the centre's notice) in one write, then tells everyone. */
  async function commit(emergency: Emergency, changes: readonly string[], messages: NewEmergencyMessage[], nowMs: number, basedOn: Emergency | 'new'): Promise<void> {
    emergency.revision += 1;
    const view = await presentEmergency(sources, emergency);
    if (deps.config.centre.length > 0) {
      messages.push({
        emergencyId: emergency.id,
        purpose: 'centre',
        routes: deps.config.centre.map((channel) => ({ to: 'centre', channel })),
        body: { purpose: 'centre', text: centreText(registry, emergency, changes), change: [...changes], emergency: view },
        nextAttemptAtMs: nowMs,
      });
    }
    await store.save(emergency, messages, nowMs, basedOn);
    if (emergency.state === 'active') active.set(emergency.id, emergency);
    else {
      active.delete(emergency.id);
      recentlyClosed.set(emergency.id, emergency);
    }
    if (messages.length > 0) runMessages();
    sendUnlocks(emergency);
    hub.publish('emergency', { change: [...changes], emergency: view });
  }

  /** The cabinet command (CONTRACT.md §6), once per unlock; one issued by issuedUntilMs and not yet taken by the broker is sent again. */
  function sendUnlocks(emergency: Emergency, issuedUntilMs = Infinity): void {
    for (const unlock of emergency.unlocks) {
      // One publish at a time per unlock: a change committed before the broker took it sends nothing more.
      const key = `${emergency.id}|${unlock.aedId}|${unlock.responderId}|${unlock.atMs}`;
      if (unlock.sentAtMs !== null || unlock.deviceId === null || unlock.atMs > issuedUntilMs || unlocksInFlight.has(key)) continue;
      unlocksInFlight.add(key);
      const command = JSON.stringify({ cmd: 'unlock', emergencyId: emergency.id, responder: unlock.responderId, validS: unlock.validS });
      deps
        .publish(`devices/${unlock.deviceId}/commands`, command, { qos: 1 })
        .then(() =>
          serial(() => redoneOnConflict(emergency.id, async () => {
            const current = await find(emergency.id);
            const next = current === undefined ? undefined : withDispatch(current, current.dispatch);
            const entry = next?.unlocks.find((u) => u.aedId === unlock.aedId && u.responderId === unlock.responderId && u.atMs === unlock.atMs);
            if (current === undefined || next === undefined || entry === undefined || entry.sentAtMs !== null) return;
            entry.sentAtMs = deps.now();
            await store.save(next, [], deps.now(), current);
          })),
        )
        .catch((err: unknown) => log.warn({ err, emergencyId: emergency.id, deviceId: unlock.deviceId }, 'unlock command not sent; retried on the next tick'))
        .finally(() => unlocksInFlight.delete(key));
    }
  }

  /** The centre hears where a responder on the way is (change `responder_moved`), through the outbox. */
  async function tellPosition(emergency: Emergency, responderId: string, nowMs: number): Promise<void> {
    const run = emergency.dispatch.runs.find((r) => r.responderId === responderId && ON_THE_WAY.has(r.state));
    const responder = registry.get('responders', responderId);
    if (run === undefined || responder?.lat === undefined || responder.lon === undefined) return;
    const at = { lat: responder.lat, lon: responder.lon };
    const view = await presentEmergency(sources, emergency);
    const text = positionText(registry, emergency, run, at);
    const body = { purpose: 'centre', text, change: ['responder_moved'], responder: { id: responderId, name: responder.name, state: run.state, position: at, at: nowMs }, emergency: view };
    await store.addMessages([{ emergencyId: emergency.id, purpose: 'centre', routes: deps.config.centre.map((channel) => ({ to: 'centre', channel })), body, nextAttemptAtMs: nowMs }], nowMs);
    runMessages();
  }

  /** Starts sending what the outbox holds; the sends report their own failures. */
  function runMessages(): void {
    deps.messenger.runDue().catch((err: unknown) => log.error({ err }, 'sending emergency messages failed'));
  }

  function withDispatch(emergency: Emergency, next: EmergencyDispatchState): Emergency {
    return { ...emergency, dispatch: next, timeline: [...emergency.timeline], unlocks: emergency.unlocks.map((u) => ({ ...u })) };
  }

  const find = (id: string): Promise<Emergency | undefined> => store.get(id); // as stored: another gateway may have changed it

  /** Every gateway's view of the active ones follows the store (another gateway may have created, changed or closed them). */
  async function refreshActive(): Promise<void> {
    const stored = new Map((await store.listActive()).map((e) => [e.id, e]));
    const gone = await Promise.all([...active.keys()].filter((id) => !stored.has(id)).map((id) => store.get(id)));
    for (const e of gone) if (e?.state === 'closed') recentlyClosed.set(e.id, e);
    // What another gateway changed reaches this one's stream within a tick.
    for (const e of [...stored.values(), ...gone]) if (e !== undefined && e.revision !== active.get(e.id)?.revision) hub.publish('emergency', { change: changesMadeElsewhere(active.get(e.id), e), emergency: await presentEmergency(sources, e) });
    active.clear();
    for (const [id, e] of stored) active.set(id, e);
  }

  /** Closed ones created since sinceMs, newest first, as the store would list them. */
  function closedSince(sinceMs: number): Emergency[] {
    for (const [id, e] of recentlyClosed) if (e.createdAtMs < deps.now() - RESTOCK_LOOKBACK_MS) recentlyClosed.delete(id);
    return [...recentlyClosed.values()].filter((e) => e.createdAtMs >= sinceMs).sort((a, b) => b.createdAtMs - a.createdAtMs);
  }

  async function createNow(input: NewEmergency, by: { source: EmergencySource; createdBy: string }): Promise<{ emergency: Emergency; created: boolean }> {
    const existing = await store.byRef(input.ref);
    if (existing !== undefined) return { emergency: existing, created: false };
    const nowMs = deps.now();
    const id = randomUUID();
    const where = locateEmergency(registry, input, deps.aed.sites());
    const start = startEmergencyDispatch({
      emergencyId: id,
      patient: { lat: input.lat, lon: input.lon },
      responders: candidates(id, input),
      view: planningView({ id, lat: input.lat, lon: input.lon }, nowMs),
      nowMs,
      timeZone: deps.settings.timeZone,
      config: dispatchConfig,
    });
    const emergency: Emergency = {
      id,
      ref: input.ref,
      kind: input.kind,
      lat: input.lat,
      lon: input.lon,
      address: input.address ?? null,
      note: input.note ?? null,
      source: by.source,
      createdBy: by.createdBy,
      createdAtMs: nowMs,
      state: 'active',
      closedAtMs: null,
      grid: where.grid,
      district: where.district,
      resident: input.resident ?? null,
      alertId: input.alertId ?? null,
      dispatch: start.state,
      timeline: [],
      unlocks: [],
      ambulanceArrivedAtMs: null,
      revision: 0,
    };
    note(emergency, nowMs, 'created', `Reported by ${by.source === 'centre' ? 'the emergency centre' : by.source === 'worker' ? `worker ${by.createdBy}` : 'the gateway'}${input.note === undefined ? '' : `: ${input.note}`}.`);
    const messages: NewEmergencyMessage[] = [];
    const changes = ['created'];
    apply(emergency, start.actions, nowMs, messages, changes);
    if (start.excluded.length > 0) log.info({ emergencyId: id, excluded: start.excluded.length }, 'responders not asked');
    await commit(emergency, changes, messages, nowMs, 'new');
    deps.metrics.emergenciesCreated.inc({ source: by.source, kind: input.kind });
    log.info({ emergencyId: id, ref: input.ref, kind: input.kind, by: by.createdBy, asked: emergency.dispatch.runs.length }, 'emergency created');
    return { emergency, created: true };
  }

  async function answerNow(id: string, responderId: string, answer: RunAnswer): Promise<AnswerResult> {
    const current = await find(id);
    if (current === undefined) return { outcome: 'not_found' };
    const nowMs = deps.now();
    const step = answerRun(current.dispatch, responderId, answer, current.state === 'active' ? planningView(current, nowMs) : null, nowMs);
    if (step.ignored !== undefined) return { outcome: 'ignored', ignored: step.ignored, emergency: current };
    const next = withDispatch(current, step.state);
    const name = responderName(registry, responderId);
    const said: Record<RunAnswer, string> = { accept: 'accepted', decline: 'declined', aed_collected: 'has the AED', on_scene: 'is on scene' };
    note(next, nowMs, ANSWER_CHANGE[answer], `${name} ${said[answer]}.`, { responder: responderId });
    const messages: NewEmergencyMessage[] = [];
    const changes = [ANSWER_CHANGE[answer]];
    apply(next, step.actions, nowMs, messages, changes);
    const firstAccept = answer === 'accept' && current.dispatch.runs.every((r) => r.acceptedAtMs === null);
    await commit(next, changes, messages, nowMs, current);
    if (firstAccept) deps.metrics.emergencyTimeToFirstAccept.observe((nowMs - current.createdAtMs) / 1000);
    return { outcome: 'changed', emergency: next };
  }

  async function ambulanceArrivedNow(id: string, atMs: number, by: string): Promise<Emergency | undefined> {
    const current = await find(id);
    if (current === undefined) return undefined;
    if (current.ambulanceArrivedAtMs !== null) return current;
    const next = withDispatch(current, current.dispatch);
    next.ambulanceArrivedAtMs = atMs;
    note(next, deps.now(), 'ambulance_arrived', `The ambulance arrived (reported by ${by}).`);
    await commit(next, ['ambulance_arrived'], [], deps.now(), current);
    return next;
  }

  async function closeNow(id: string, by: string, text?: string): Promise<Emergency | undefined> {
    const current = await find(id);
    if (current === undefined) return undefined;
    if (current.state === 'closed') return current;
    const nowMs = deps.now();
    const step = stopEmergencyDispatch(current.dispatch, nowMs);
    const next = { ...withDispatch(current, step.state), state: 'closed' as const, closedAtMs: nowMs };
    const messages: NewEmergencyMessage[] = [];
    const changes = ['closed'];
    apply(next, step.actions, nowMs, messages, changes);
    note(next, nowMs, 'closed', `Closed by ${by}${text === undefined ? '' : `: ${text}`}.`);
    positions.forget(id);
    await commit(next, changes, messages, nowMs, current);
    return next;
  }

  async function tickNow(nowMs: number): Promise<void> {
    for (const due of positions.due(nowMs)) {
      const e = active.get(due.emergencyId);
      if (e !== undefined) await tellPosition(e, due.responderId, nowMs);
    }
    await refreshActive();
    if (deps.runsTicks !== undefined && !deps.runsTicks()) return;
    for (const first of [...active.values()]) {
      try {
        await redoneOnConflict(first.id, async (attempt) => {
          const current = attempt === 1 ? first : await find(first.id);
          if (current?.state !== 'active') return;
          const view = planningView(current, nowMs);
          const asked = tickEmergencyDispatch(current.dispatch, view, nowMs);
          // An AED runner silent past the deadline: their AED goes to someone else.
          const silent = dropSilentAedRunners(asked.state, view, nowMs, deps.config.aedRunSilentS * 1000);
          const step = { state: silent.state, actions: [...asked.actions, ...silent.actions] };
          if (step.actions.length === 0) return sendUnlocks(current, deps.runsTicks === undefined ? Infinity : nowMs - UNLOCK_RESEND_AFTER_MS);
          const next = withDispatch(current, step.state);
          const messages: NewEmergencyMessage[] = [];
          const changes: string[] = [];
          apply(next, step.actions, nowMs, messages, changes);
          await commit(next, changes, messages, nowMs, current);
        });
      } catch (err) {
        log.error({ err, emergencyId: first.id }, 'emergency tick failed');
      }
    }
  }

  async function responderMovedNow(responderId: string): Promise<void> {
    const nowMs = deps.now();
    for (const known of [...active.values()]) {
      if (!known.dispatch.runs.some((r) => r.responderId === responderId && BUSY.has(r.state))) continue;
      // From the stored emergency: another gateway may have taken this responder's answer since.
      const e = await redoneOnConflict(known.id, async () => {
        const current = await find(known.id);
        const seen = current === undefined ? null : noteSignOfLife(current.dispatch, responderId, nowMs);
        if (current === undefined || seen === null) return current ?? known;
        const next = withDispatch(current, seen);
        // The active list takes it at the next tick, which tells this gateway's stream what else changed since.
        await store.save(next, [], nowMs, current);
        return next;
      });
      hub.publish('emergency', { change: ['responder_moved'], emergency: await presentEmergency(sources, e) });
      const onTheWay = e.dispatch.runs.some((r) => r.responderId === responderId && ON_THE_WAY.has(r.state));
      if (onTheWay && deps.config.centre.length > 0 && deps.config.positionEveryS > 0 && positions.moved(e.id, responderId, nowMs)) await tellPosition(e, responderId, nowMs);
    }
  }

  /** A change the cabinets' hook decided on at once, written in turn; a failure is logged. */
  function later(what: string, emergencyId: string, change: () => Promise<void>): void {
    serial(change).catch((err: unknown) => log.error({ err, emergencyId }, `${what} was not written`));
  }

  return {
    hub,
    /** Creates an emergency and pages its responders at once; a known `ref` answers the existing one. */
    create: (input: NewEmergency, by: { source: EmergencySource; createdBy: string }) => serial(() => redoneOnConflict(input.ref, () => createNow(input, by))),
    answer: (id: string, responderId: string, answer: RunAnswer) => serial(() => redoneOnConflict(id, () => answerNow(id, responderId, answer))),
    ambulanceArrived: (id: string, atMs: number, by: string) => serial(() => redoneOnConflict(id, () => ambulanceArrivedNow(id, atMs, by))),
    close: (id: string, by: string, text?: string) => serial(() => redoneOnConflict(id, () => closeNow(id, by, text))),

    /** Answer deadlines that passed; unlocks the broker has not taken yet; positions held back for the centre. */
    tick: (nowMs: number): Promise<void> => serial(() => tickNow(nowMs)),
    /** Another gateway changed an emergency: this one's view and streams follow now, not at its next tick. */
    refresh: (): Promise<void> => serial(refreshActive),
    /** A responder moved: the dispatcher's map follows; the centre hears it, at most every `positionEveryS`. */
    responderMoved: (responderId: string): Promise<void> => serial(() => responderMovedNow(responderId)),

    /** The cabinet a responder was sent to opened: expected, noted on their emergency (no alarm). */
    explainOpening(aedId: string, atMs: number): boolean {
      for (const e of active.values()) {
        const run = e.dispatch.runs.find((r) => r.aedId === aedId && r.unlockIssued && (r.state === 'accepted' || r.state === 'aed_collected'));
        if (run === undefined) continue;
        later('a cabinet opening', e.id, () => redoneOnConflict(e.id, async () => {
          const current = (await find(e.id)) ?? e;
          const next = withDispatch(current, current.dispatch);
          note(next, atMs, 'cabinet_opened', `${aedName(registry, aedId)} opened for ${responderName(registry, run.responderId)}, as expected.`, { responder: run.responderId, aed: aedId });
          await commit(next, ['cabinet_opened'], [], deps.now(), current);
        }));
        return true;
      }
      return false;
    },

    /** The use that an emergency explained ended: its guardian restocks, at working hours. */
    restockAfterExplained(aedId: string, guardian: string | null, atMs: number): boolean {
      const recent = [...active.values(), ...closedSince(atMs - RESTOCK_LOOKBACK_MS)];
      for (const e of recent) {
        const opened = e.timeline.findLastIndex((t) => t.type === 'cabinet_opened' && t.aed === aedId);
        if (opened < 0 || e.timeline.slice(opened).some((t) => t.type === 'restock_requested' && t.aed === aedId)) continue;
        const who = guardian === null ? null : resolvePerson(registry, guardian);
        later('a restock request', e.id, () => redoneOnConflict(e.id, async () => {
          const current = (await find(e.id)) ?? e;
          const next = withDispatch(current, current.dispatch);
          note(next, atMs, 'restock_requested', `${who?.name ?? 'Nobody (no guardian registered)'} asked to restock ${aedName(registry, aedId)}.`, { aed: aedId });
          const messages: NewEmergencyMessage[] = [];
          if (who !== undefined && who !== null && who.channels.length > 0) {
            messages.push({
              emergencyId: e.id,
              purpose: 'guardian',
              routes: who.channels.map((channel) => ({ to: who.id, channel })),
              body: { purpose: 'restock', text: restockText(registry, current, aedId), aed: { id: aedId, name: aedName(registry, aedId) } },
              nextAttemptAtMs: nextWorkingTimeMs(atMs, deps.settings.timeZone),
            });
          }
          await commit(next, ['restock_requested'], messages, deps.now(), current);
        }));
        return true;
      }
      return false;
    },

    get: find,
    verifyLink: (token: string) => deps.links.verify(token),
    list: (filter: EmergencyListFilter) => store.list(filter),
    view: (emergency: Emergency, onlyResponder?: string) => presentEmergency(sources, emergency, onlyResponder),
    activeEmergencies: () => [...active.values()],
    runDue: () => deps.messenger.runDue(),
    async stop(): Promise<void> {
      hub.close();
      await deps.messenger.close();
    },
  };
}

export type EmergencyService = Awaited<ReturnType<typeof createEmergencyService>>;
