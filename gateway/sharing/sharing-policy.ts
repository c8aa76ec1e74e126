import type { Alert, AlertKind } from '../../rules/safety/index.js';
import type { Registry } from '../registry/registry.js';
import type { ResidentEntity, SharingCategory, SharingRecipient } from '../registry/schemas.js';

/**
 * Who may see what of a resident (CONTRACT.md §6; PIPL arts. 28-29: health and whereabouts are
 * sensitive, shared only with separate consent). Routine data reaches only the recipients the
 * resident chose; an emergency reaches the people called to it with the location and what a
 * responder needs, without consent, under art. 13(4), and is marked so.
 */
export type Ground = 'consent' | 'emergency';

/** What each alert kind reveals of the resident, besides who they are. */
const CATEGORY_OF_KIND: Partial<Record<AlertKind, SharingCategory>> = {
  vitals: 'vitals',
  no_motion: 'activity',
  stayed_in: 'activity',
  wandering: 'location',
};

/** The category an alert of this kind belongs to; undefined: device upkeep, no personal data beyond the name. */
export function categoryOfKind(kind: AlertKind): SharingCategory | undefined {
  return CATEGORY_OF_KIND[kind];
}

/**
 * Vitals beyond these are life-threatening, whatever the resident's own thresholds: SpO2 below
 * 85 % (severe hypoxaemia, BTS guideline for oxygen use 2017), heart rate below 40 or above 150,
 * blood pressure at or above 180/120 (hypertensive emergency range, AHA 2017 guideline).
 */
export const CRITICAL_VITALS = { spo2Below: 85, hrBelow: 40, hrAbove: 150, sbpAtLeast: 180, dbpAtLeast: 120 } as const;

function num(details: Alert['details'], key: string): number | undefined {
  const value = details[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function isCriticalVitals(alert: Pick<Alert, 'kind' | 'severity' | 'details'>): boolean {
  if (alert.kind !== 'vitals') return false;
  if (alert.severity === 'critical') return true;
  const d = alert.details;
  const spo2 = num(d, 'spo2');
  const hr = num(d, 'hr');
  const sbp = num(d, 'sbp');
  const dbp = num(d, 'dbp');
  return (
    (spo2 !== undefined && spo2 < CRITICAL_VITALS.spo2Below) ||
    (hr !== undefined && (hr < CRITICAL_VITALS.hrBelow || hr > CRITICAL_VITALS.hrAbove)) ||
    (sbp !== undefined && sbp >= CRITICAL_VITALS.sbpAtLeast) ||
    (dbp !== undefined && dbp >= CRITICAL_VITALS.dbpAtLeast)
  );
}

/** Fall, SOS, critical vitals and an opened AED cabinet: the emergency rule applies. */
export function isEmergency(alert: Pick<Alert, 'kind' | 'severity' | 'details'>): boolean {
  return alert.kind === 'fall' || alert.kind === 'sos' || alert.kind === 'aed_opened' || isCriticalVitals(alert);
}

/** Whether the resident chose to share this category with this recipient. Default: no. */
export function sharesWith(resident: Pick<ResidentEntity, 'sharing'> | undefined, category: SharingCategory, recipient: SharingRecipient): boolean {
  return resident?.sharing?.[category]?.includes(recipient) === true;
}

/**
 * On what ground a recipient may receive a category of a resident's data about this alert:
 * consent, the emergency rule, or not at all (undefined).
 */
export function groundFor(resident: Pick<ResidentEntity, 'sharing'> | undefined, category: SharingCategory, recipient: SharingRecipient, alert?: Pick<Alert, 'kind' | 'severity' | 'details'>): Ground | undefined {
  if (sharesWith(resident, category, recipient)) return 'consent';
  // The emergency rule lifts what a responder needs: where, and the conditions that matter.
  if (alert !== undefined && isEmergency(alert) && (category === 'location' || category === 'conditions' || (category === 'vitals' && alert.kind === 'vitals'))) return 'emergency';
  return undefined;
}

/** The resident of a family contact id, when exactly one resident names that contact. */
export function residentOfContact(registry: Registry, contactId: string): { resident: ResidentEntity; index: number }[] {
  const found: { resident: ResidentEntity; index: number }[] = [];
  for (const resident of registry.list('residents')) {
    const index = resident.contacts.findIndex((c) => c.id === contactId);
    if (index >= 0) found.push({ resident, index });
  }
  return found;
}
