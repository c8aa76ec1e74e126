import { isAccessibleAt } from '../../rules/aed/index.js';
import { DEFAULT_ESCALATION_STEPS, DEFAULT_REPAGE_POLICY, NO_REPAGE, type Alert, type EscalationSteps, type NotifyRole, type RepagePolicy, type Roster } from '../../rules/safety/index.js';
import type { Registry } from '../registry/registry.js';
import type { Channel, ResidentEntity, SharingRecipient } from '../registry/schemas.js';
import { isCriticalVitals, sharesWith } from '../sharing/sharing-policy.js';

/** Someone a page can reach: a worker, a responder, a family doctor, or a resident's family contact. */
export interface Person {
  id: string;
  name: string;
  kind: 'worker' | 'responder' | 'contact' | 'doctor';
  /** A family contact's relation to the resident. */
  relation?: string;
  /** A family contact's resident. */
  resident?: string;
  channels: readonly Channel[];
}

/** What the sharing choices call each kind of person. */
export const RECIPIENT_OF_KIND: Record<Person['kind'], SharingRecipient> = { worker: 'worker', responder: 'responder', contact: 'family', doctor: 'doctor' };

const CONTACT_ID = /^contact:([A-Za-z0-9_-]{1,64}):([A-Za-z0-9_-]{1,64})$/;

/** A family contact on a timeline and in the outbox: by its own id, or by position when it has none. */
export function contactId(residentId: string, index: number, ownId?: string): string {
  return `contact:${residentId}:${ownId ?? index}`;
}

export function resolvePerson(registry: Registry, id: string): Person | undefined {
  const contact = CONTACT_ID.exec(id);
  if (contact !== null) {
    const resident = registry.get('residents', contact[1]!);
    const key = contact[2]!;
    const byId = resident?.contacts.find((c) => c.id === key);
    const entry = byId ?? (/^\d{1,3}$/.test(key) ? resident?.contacts[Number(key)] : undefined);
    if (entry === undefined || resident === undefined) return undefined;
    return { id, name: entry.name, kind: 'contact', resident: resident.id, ...(entry.relation === undefined ? {} : { relation: entry.relation }), channels: entry.channels };
  }
  const worker = registry.get('workers', id);
  if (worker !== undefined) return { id, name: worker.name, kind: 'worker', channels: worker.channels };
  const responder = registry.get('responders', id);
  if (responder !== undefined) return { id, name: responder.name, kind: 'responder', channels: responder.channels };
  const doctor = registry.get('doctors', id);
  if (doctor !== undefined) return { id, name: doctor.name, kind: 'doctor', channels: doctor.channels };
  return undefined;
}

export function familyOf(resident: ResidentEntity): string[] {
  return resident.contacts.map((c, i) => contactId(resident.id, i, c.id));
}

/** Now, and the deployment's zone: the SOS button reaches the doctor only in clinic hours. */
export interface RosterTime {
  nowMs: number;
  timeZone: string;
}

type RosterAlert = Pick<Alert, 'grid' | 'subject' | 'kind' | 'severity' | 'details'>;

/**
 * Who fills each role of the grid's escalation policy for this alert. The sharing choices decide
 * for routine vitals: the worker hears of them only if the resident shares vitals with the worker,
 * or when they are critical (the emergency rule), or when no doctor or family would hear of them
 * at all; the doctor when shared with the doctor, or critical.
 * An SOS with a `callButton` reaches its targets in order as the on-duty role (first reachable).
 */
export function rosterFor(registry: Registry, alert: Pick<Alert, 'grid' | 'subject'> & Partial<RosterAlert>, time?: RosterTime): Roster {
  const grid = registry.get('grids', alert.grid);
  const resident = registry.get('residents', alert.subject);
  const family = resident === undefined ? [] : familyOf(resident);
  const doctor = resident?.doctor === undefined ? [] : [resident.doctor];
  const roster = {
    onDuty: grid?.onDuty ?? [],
    backup: grid?.backup ?? [],
    emergencyGroup: grid?.emergencyGroup ?? [],
    family,
    doctor: [] as string[],
  } satisfies Record<NotifyRole, readonly string[]>;
  if (alert.kind === 'vitals' && resident !== undefined) {
    const critical = isCriticalVitals({ kind: 'vitals', severity: alert.severity ?? 'high', details: alert.details ?? {} });
    const toWorkers = critical || sharesWith(resident, 'vitals', 'worker');
    const toFamily = critical || sharesWith(resident, 'vitals', 'family');
    roster.doctor = critical || sharesWith(resident, 'vitals', 'doctor') ? doctor : [];
    if (!toFamily) roster.family = [];
    // An alert nobody hears helps nobody: with no doctor and family to take it, the workers are
    // still paged (the page itself withholds the unshared readings).
    if (!toWorkers && (roster.doctor.length > 0 || roster.family.length > 0)) Object.assign(roster, { onDuty: [], backup: [], emergencyGroup: [] });
  }
  if (alert.kind === 'sos' && resident?.callButton !== undefined) {
    // Fall through to the grid's on-duty worker when the chosen targets are unavailable (the
    // doctor outside clinic hours, say): the call button must always reach someone.
    const chain = callChain(registry, resident, roster, time);
    roster.onDuty = chain.length > 0 ? chain : roster.onDuty;
  }
  return roster;
}

/** The SOS button's targets in order, the doctor only in clinic hours; family paged at once is left out. */
function callChain(registry: Registry, resident: ResidentEntity, roster: { onDuty: readonly string[]; backup: readonly string[] }, time: RosterTime | undefined): string[] {
  const chain: string[] = [];
  for (const target of resident.callButton ?? []) {
    if (target === 'doctor') {
      const doctor = resident.doctor === undefined ? undefined : registry.get('doctors', resident.doctor);
      const inClinic = doctor?.clinicHours !== undefined && time !== undefined && isAccessibleAt(doctor.clinicHours, time.nowMs, time.timeZone);
      if (doctor !== undefined && inClinic) chain.push(doctor.id);
    } else if (target === 'onDuty' || target === 'backup') chain.push(...roster[target]);
  }
  return [...new Set(chain)];
}

/** An opened AED cabinet: a cardiac arrest is likely, so the grid and the emergency group at once. */
export const AED_OPENED_STEPS: EscalationSteps = [{ notify: ['onDuty', 'emergencyGroup'], waitS: 180 }, { notify: ['backup'] }];
/** A cabinet fault goes to its guardian at working hours (paged directly), not up the grid's chain. */
export const AED_FAULT_STEPS: EscalationSteps = [];
/** A full bin goes to the grid's sanitation workers in working hours (paged directly), not up the grid's chain. */
export const BIN_FULL_STEPS: EscalationSteps = [];
/** The index notice informs the workers on duty; it is not an emergency to escalate. */
export const AQHI_NOTICE_STEPS: EscalationSteps = [{ notify: ['onDuty'] }];

/**
 * The grid's policy, adjusted for the resident: a fall or an SOS reaches the family in the first
 * step, with the on-duty worker (and not again later); vitals reach the family doctor with the worker.
 */
export function escalationStepsFor(registry: Registry, alert: Pick<Alert, 'grid' | 'kind'>): EscalationSteps {
  if (alert.kind === 'aed_opened') return AED_OPENED_STEPS;
  if (alert.kind === 'aqhi_high') return AQHI_NOTICE_STEPS;
  if (alert.kind === 'aed_fault') return AED_FAULT_STEPS;
  if (alert.kind === 'bin_full') return BIN_FULL_STEPS;
  const steps = registry.get('grids', alert.grid)?.escalation ?? DEFAULT_ESCALATION_STEPS;
  if (alert.kind === 'fall' || alert.kind === 'sos') return withFirst(steps, 'family');
  if (alert.kind === 'vitals') return withFirst(steps, 'doctor');
  return steps;
}

function withFirst(steps: EscalationSteps, role: NotifyRole): EscalationSteps {
  return steps.map((step, i) => {
    const others = step.notify.filter((r) => r !== role);
    // A later step left with nobody moves straight on (the planner waits only on steps that reached someone).
    return { ...step, notify: i === 0 ? [role, ...others] : others };
  });
}

/** The grid's re-page policy; index notices and cabinet faults inform, and are never paged again. */
export function repagePolicyFor(registry: Registry, alert: Pick<Alert, 'grid' | 'kind'>): RepagePolicy {
  if (alert.kind === 'aqhi_high' || alert.kind === 'aed_fault' || alert.kind === 'bin_full') return NO_REPAGE;
  const own = registry.get('grids', alert.grid)?.repage;
  const repeatS = own?.repeatLastStepS ?? DEFAULT_REPAGE_POLICY.repeatLastStepS;
  return {
    newCriticalOccurrence: own?.newCriticalOccurrence ?? DEFAULT_REPAGE_POLICY.newCriticalOccurrence,
    repeatLastStepS: repeatS === 0 ? null : repeatS,
  };
}
