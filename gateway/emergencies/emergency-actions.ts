import type { EmergencyAction, ResponderRun } from '../../rules/aed/index.js';
import { resolvePerson } from '../pager/recipients.js';
import type { Registry } from '../registry/registry.js';
import type { EmergencyLinks } from './emergency-links.js';
import type { Emergency, NewEmergencyMessage } from './emergency-store.js';
import { dispatchText } from './emergency-texts.js';
import { aedName, responderName } from './emergency-view.js';

const ACTION_CHANGE: Record<EmergencyAction['type'], string> = {
  paged: 'responder_asked',
  unlock: 'cabinet_unlocked',
  timedOut: 'responder_timed_out',
  released: 'responder_released',
  widened: 'radius_widened',
  noResponders: 'no_responders',
  filled: 'enough_accepted',
  aedReassigned: 'aed_reassigned',
};


export interface EmergencyActionDeps {
  registry: Registry;
  links: EmergencyLinks;
  unlockValidS: number;
}

/** The planner's actions (rules/aed) as timeline lines, pages and unlocks on an emergency. */
export function emergencyActions(deps: EmergencyActionDeps) {
  const { registry } = deps;

  function note(emergency: Emergency, atMs: number, type: string, text: string, extra: { responder?: string; aed?: string } = {}): void {
    emergency.timeline.push({ atMs, type, ...extra, text });
  }

  /** Turns the planner's actions into timeline lines, pages and unlocks on the emergency. */
  function apply(emergency: Emergency, actions: readonly EmergencyAction[], nowMs: number, messages: NewEmergencyMessage[], changes: string[]): void {
    for (const action of actions) {
      changes.push(ACTION_CHANGE[action.type]);
      switch (action.type) {
        case 'paged':
          page(emergency, action.run, nowMs, messages);
          break;
        case 'aedReassigned': {
          const from = responderName(registry, action.fromResponderId);
          const why = action.reason === 'declined' ? `${from} can no longer fetch it` : `${from} has not moved or answered in time`;
          const to = action.toResponderId === null ? 'nobody coming straight can fetch it; the next responder asked may be sent for it' : `it goes to ${responderName(registry, action.toResponderId)}`;
          note(emergency, nowMs, 'aed_reassigned', `${aedName(registry, action.aedId)}: ${why}; ${to}.`, { responder: action.toResponderId ?? action.fromResponderId, aed: action.aedId });
          if (action.run !== undefined) page(emergency, action.run, nowMs, messages, `${why}.`);
          break;
        }
        case 'unlock': {
          const device = registry.list('devices').find((d) => d.kind === 'aed' && d.aed === action.aedId);
          emergency.unlocks.push({ aedId: action.aedId, deviceId: device?.id ?? null, responderId: action.responderId, atMs: nowMs, validS: deps.unlockValidS, sentAtMs: null });
          const text = device === undefined ? `${aedName(registry, action.aedId)} has no connected cabinet to unlock; ${responderName(registry, action.responderId)} opens it by hand.` : `${aedName(registry, action.aedId)} unlocked for ${responderName(registry, action.responderId)}.`;
          note(emergency, nowMs, 'unlock', text, { responder: action.responderId, aed: action.aedId });
          break;
        }
        case 'timedOut':
          note(emergency, nowMs, 'timed_out', `${responderName(registry, action.responderId)} did not answer in time.`, { responder: action.responderId });
          break;
        case 'released':
          note(emergency, nowMs, 'released', `${responderName(registry, action.responderId)} no longer needed.`, { responder: action.responderId });
          break;
        case 'widened':
          note(emergency, nowMs, 'widened', `Search radius widened from ${action.fromM} m to ${action.toM} m.`);
          break;
        case 'noResponders':
          note(emergency, nowMs, 'no_responders', `No available responder within ${emergency.dispatch.asking.radiusM} m (${action.asked} asked): the centre must send others.`);
          break;
        case 'filled':
          note(emergency, nowMs, 'filled', `Enough responders are coming: ${action.acceptedIds.map((id) => responderName(registry, id)).join(', ')}.`);
          break;
      }
    }
  }

  /** A responder's page with their own run; `change` says why their plan changed, when it did. */
  function page(emergency: Emergency, run: ResponderRun, nowMs: number, messages: NewEmergencyMessage[], change?: string): void {
    const name = responderName(registry, run.responderId);
    const how = run.aedId === null ? 'straight to the patient' : `via ${aedName(registry, run.aedId)} (${run.toAedM} m to it)`;
    if (change === undefined) note(emergency, nowMs, 'asked', `${name} asked, ${run.directM} m away, ${how}.`, { responder: run.responderId, ...(run.aedId === null ? {} : { aed: run.aedId }) });
    const channels = resolvePerson(registry, run.responderId)?.channels ?? [];
    if (channels.length === 0) {
      note(emergency, nowMs, 'note', `${name} has no channel to page.`, { responder: run.responderId });
      return;
    }
    const link = deps.links.url(emergency.id, run.responderId);
    const text = dispatchText(registry, emergency, run, link);
    messages.push({
      emergencyId: emergency.id,
      purpose: 'dispatch',
      routes: channels.map((channel) => ({ to: run.responderId, channel })),
      body: {
        purpose: 'dispatch',
        text: change === undefined ? text : `[改变路线 CHANGE OF PLAN] ${change} ${text}`,
        recipient: { id: run.responderId, name },
        emergency: { id: emergency.id, kind: emergency.kind, lat: emergency.lat, lon: emergency.lon, address: emergency.address },
        run: { route: run.route, aed: run.aedId === null ? null : { id: run.aedId, name: aedName(registry, run.aedId) }, toAedM: run.toAedM, routeM: run.routeM, directM: run.directM, answerBy: run.deadlineMs },
        ...(change === undefined ? {} : { changeOfPlan: change }),
        link,
      },
      nextAttemptAtMs: nowMs,
    });
  }

  return { note, apply };
}
