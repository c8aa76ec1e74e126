import { DEFAULT_ESCALATION_STEPS, DEFAULT_REPAGE_POLICY, NO_REPAGE, type Alert, type EscalationSteps, type RepagePolicy, type Roster } from '../../rules/safety/index.js';
import type { Registry } from '../registry/registry.js';
import type { Channel } from '../registry/schemas.js';

/** Someone a page can reach: a worker, a responder, or a resident's family contact. */
export interface Person {
  id: string;
  name: string;
  kind: 'worker' | 'responder' | 'contact';
  /** A family contact's relation to the resident. */
  relation?: string;
  channels: readonly Channel[];
}

const CONTACT_ID = /^contact:([A-Za-z0-9_-]{1,64}):(\d{1,3})$/;

/** Family contacts have no ids of their own in the provision file; they are named by position. */
export function contactId(residentId: string, index: number): string {
  return `contact:${residentId}:${index}`;
}

export function resolvePerson(registry: Registry, id: string): Person | undefined {
  const contact = CONTACT_ID.exec(id);
  if (contact !== null) {
    const resident = registry.get('residents', contact[1]!);
    const entry = resident?.contacts[Number(contact[2])];
    if (entry === undefined) return undefined;
    return { id, name: entry.name, kind: 'contact', ...(entry.relation === undefined ? {} : { relation: entry.relation }), channels: entry.channels };
  }
  const worker = registry.get('workers', id);
  if (worker !== undefined) return { id, name: worker.name, kind: 'worker', channels: worker.channels };
  const responder = registry.get('responders', id);
  if (responder !== undefined) return { id, name: responder.name, kind: 'responder', channels: responder.channels };
  return undefined;
}

/** Who fills each role of the grid's escalation policy for this alert. */
export function rosterFor(registry: Registry, alert: Pick<Alert, 'grid' | 'subject'>): Roster {
  const grid = registry.get('grids', alert.grid);
  const resident = registry.get('residents', alert.subject);
  return {
    onDuty: grid?.onDuty ?? [],
    backup: grid?.backup ?? [],
    emergencyGroup: grid?.emergencyGroup ?? [],
    family: resident === undefined ? [] : resident.contacts.map((_, i) => contactId(resident.id, i)),
  };
}

/** An opened AED cabinet: a cardiac arrest is likely, so the grid and the emergency group at once. */
export const AED_OPENED_STEPS: EscalationSteps = [{ notify: ['onDuty', 'emergencyGroup'], waitS: 180 }, { notify: ['backup'] }];
/** A cabinet fault goes to its guardian at working hours (paged directly), not up the grid's chain. */
export const AED_FAULT_STEPS: EscalationSteps = [];
/** The index notice informs the workers on duty; it is not an emergency to escalate. */
export const AQHI_NOTICE_STEPS: EscalationSteps = [{ notify: ['onDuty'] }];

export function escalationStepsFor(registry: Registry, alert: Pick<Alert, 'grid' | 'kind'>): EscalationSteps {
  if (alert.kind === 'aed_opened') return AED_OPENED_STEPS;
  if (alert.kind === 'aqhi_high') return AQHI_NOTICE_STEPS;
  if (alert.kind === 'aed_fault') return AED_FAULT_STEPS;
  return registry.get('grids', alert.grid)?.escalation ?? DEFAULT_ESCALATION_STEPS;
}

/** The grid's re-page policy; index notices and cabinet faults inform, and are never paged again. */
export function repagePolicyFor(registry: Registry, alert: Pick<Alert, 'grid' | 'kind'>): RepagePolicy {
  if (alert.kind === 'aqhi_high' || alert.kind === 'aed_fault') return NO_REPAGE;
  const own = registry.get('grids', alert.grid)?.repage;
  const repeatS = own?.repeatLastStepS ?? DEFAULT_REPAGE_POLICY.repeatLastStepS;
  return {
    newCriticalOccurrence: own?.newCriticalOccurrence ?? DEFAULT_REPAGE_POLICY.newCriticalOccurrence,
    repeatLastStepS: repeatS === 0 ? null : repeatS,
  };
}
