import { runOutcome, type CabinetSummary, type ResponderRun } from '../../rules/aed/index.js';
import type { Registry } from '../registry/registry.js';
import type { Emergency, EmergencyKind, EmergencyMessage } from './emergency-store.js';

export const EMERGENCY_KIND_LABELS: Record<EmergencyKind, { zh: string; en: string }> = {
  cardiac_arrest: { zh: '心脏骤停', en: 'Cardiac arrest' },
  unconscious: { zh: '意识丧失', en: 'Unconscious' },
  not_breathing: { zh: '呼吸停止', en: 'Not breathing' },
  fall_injury: { zh: '跌倒受伤', en: 'Fall with injury' },
  choking: { zh: '窒息', en: 'Choking' },
  stroke: { zh: '疑似中风', en: 'Suspected stroke' },
  bleeding: { zh: '大出血', en: 'Severe bleeding' },
  other: { zh: '急症', en: 'Medical emergency' },
};

export const RUN_STATE_LABELS: Record<ResponderRun['state'], { zh: string; en: string }> = {
  asked: { zh: '已呼叫', en: 'asked' },
  accepted: { zh: '已接受', en: 'on the way' },
  declined: { zh: '已拒绝', en: 'declined' },
  timed_out: { zh: '未应答', en: 'no answer' },
  aed_collected: { zh: '已取到AED', en: 'has the AED' },
  on_scene: { zh: '已到现场', en: 'on scene' },
  released: { zh: '无需前往', en: 'not needed' },
};

/** "the cabinet in the community health station" rather than an id. */
export function aedName(registry: Registry, aedId: string): string {
  const aed = registry.get('aeds', aedId);
  if (aed === undefined) return aedId;
  return aed.description ?? `AED ${aed.id}`;
}

export function responderName(registry: Registry, id: string): string {
  return registry.get('responders', id)?.name ?? id;
}

export interface RunView {
  id: string;
  name: string;
  state: ResponderRun['state'];
  stateLabel: { zh: string; en: string };
  position: { lat: number; lon: number } | null;
  route: ResponderRun['route'];
  aed: { id: string; name: string; lat: number; lon: number; state: CabinetSummary['status'] | 'unknown'; unlocked: boolean } | null;
  toAedM: number | null;
  directM: number;
  routeM: number;
  askedAt: number;
  answerBy: number;
  acceptedAt: number | null;
  aedCollectedAt: number | null;
  onSceneAt: number | null;
  /** The dispatch page: pending, delivered or failed. */
  page: EmergencyMessage['state'] | 'none';
}

export interface ViewSources {
  registry: Registry;
  cabinets: () => Readonly<Record<string, CabinetSummary | undefined>>;
  messages: (emergencyId: string) => Promise<EmergencyMessage[]>;
}

function runView(sources: ViewSources, emergency: Emergency, run: ResponderRun, pages: Map<string, EmergencyMessage['state']>): RunView {
  const { registry } = sources;
  const responder = registry.get('responders', run.responderId);
  const aed = run.aedId === null ? undefined : registry.get('aeds', run.aedId);
  return {
    id: run.responderId,
    name: responder?.name ?? run.responderId,
    state: run.state,
    stateLabel: RUN_STATE_LABELS[run.state],
    position: responder?.lat === undefined || responder.lon === undefined ? null : { lat: responder.lat, lon: responder.lon },
    route: run.route,
    aed:
      run.aedId === null
        ? null
        : {
            id: run.aedId,
            name: aedName(registry, run.aedId),
            lat: aed?.lat ?? 0,
            lon: aed?.lon ?? 0,
            state: sources.cabinets()[run.aedId]?.status ?? 'unknown',
            unlocked: emergency.unlocks.some((u) => u.aedId === run.aedId && u.responderId === run.responderId),
          },
    toAedM: run.toAedM,
    directM: run.directM,
    routeM: run.routeM,
    askedAt: run.askedAtMs,
    answerBy: run.deadlineMs,
    acceptedAt: run.acceptedAtMs,
    aedCollectedAt: run.aedCollectedAtMs,
    onSceneAt: run.onSceneAtMs,
    page: pages.get(run.responderId) ?? 'none',
  };
}

/** The dispatcher's view of one emergency; `onlyResponder` narrows it to that responder's own run. */
export async function presentEmergency(sources: ViewSources, emergency: Emergency, onlyResponder?: string) {
  const pages = new Map<string, EmergencyMessage['state']>();
  for (const m of await sources.messages(emergency.id)) if (m.purpose === 'dispatch') pages.set(m.routes[0]?.to ?? '', m.state);
  const runs = emergency.dispatch.runs.filter((r) => onlyResponder === undefined || r.responderId === onlyResponder);
  const base = {
    id: emergency.id,
    ref: emergency.ref,
    kind: emergency.kind,
    kindLabel: EMERGENCY_KIND_LABELS[emergency.kind],
    lat: emergency.lat,
    lon: emergency.lon,
    address: emergency.address,
    note: emergency.note,
    state: emergency.state,
    createdAt: emergency.createdAtMs,
    responders: runs.map((r) => runView(sources, emergency, r, pages)),
  };
  if (onlyResponder !== undefined) return base;
  const outcome = runOutcome(emergency.dispatch);
  const seconds = (at: number | null) => (at === null ? null : Math.round((at - emergency.createdAtMs) / 1000));
  return {
    ...base,
    source: emergency.source,
    createdBy: emergency.createdBy,
    closedAt: emergency.closedAtMs,
    grid: emergency.grid,
    district: emergency.district,
    resident: emergency.resident === null ? null : { id: emergency.resident, name: sources.registry.get('residents', emergency.resident)?.name ?? emergency.resident },
    alertId: emergency.alertId,
    radiusM: emergency.dispatch.asking.radiusM,
    dispatchStatus: emergency.dispatch.asking.status,
    noRespondersAt: emergency.dispatch.noRespondersAtMs,
    unlocks: emergency.unlocks.map((u) => ({ ...u, aedName: aedName(sources.registry, u.aedId), responderName: responderName(sources.registry, u.responderId) })),
    outcome: {
      timeToFirstAcceptS: seconds(outcome.firstAcceptAtMs),
      timeToAedOnSceneS: seconds(outcome.aedOnSceneAtMs),
      attended: outcome.attended.map((id) => ({ id, name: responderName(sources.registry, id) })),
      aedUsed: outcome.aedUsed === null ? null : { id: outcome.aedUsed, name: aedName(sources.registry, outcome.aedUsed) },
      ambulanceArrivedAt: emergency.ambulanceArrivedAtMs,
      timeToAmbulanceS: seconds(emergency.ambulanceArrivedAtMs),
    },
    timeline: emergency.timeline,
    revision: emergency.revision,
  };
}

export type EmergencyView = Awaited<ReturnType<typeof presentEmergency>>;
