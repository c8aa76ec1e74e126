import type { Alert } from '../../rules/safety/index.js';
import type { Principal } from '../auth/token-store.js';
import type { Registry } from '../registry/registry.js';
import type { ResidentEntity } from '../registry/schemas.js';
import { categoryOfKind, groundFor, isEmergency, residentOfContact } from './sharing-policy.js';

/** The residents a doctor or family token speaks for: a doctor's patients, a contact's one relative. */
export function residentsOf(registry: Registry, principal: Principal): ResidentEntity[] {
  if (principal.subject === null) return [];
  if (principal.role === 'doctor') return registry.list('residents').filter((r) => r.doctor === principal.subject);
  if (principal.role === 'family') {
    const found = residentOfContact(registry, principal.subject);
    // A contact id named by two residents is ambiguous: such a token sees nobody (refused at issue).
    return found.length === 1 ? [found[0]!.resident] : [];
  }
  return [];
}

/**
 * Whether a doctor or family member may see this alert about their resident: an emergency always
 * (fall, SOS, critical vitals), otherwise only when its category is shared with them. Device upkeep
 * (battery, offline) is the family's business, not the doctor's.
 */
export function personalAlertVisible(registry: Registry, principal: Principal, alert: Pick<Alert, 'subject' | 'kind' | 'severity' | 'details'>): boolean {
  if (principal.role !== 'doctor' && principal.role !== 'family') return false;
  const resident = residentsOf(registry, principal).find((r) => r.id === alert.subject);
  if (resident === undefined) return false;
  if (isEmergency(alert)) return true;
  const category = categoryOfKind(alert.kind);
  if (category === undefined) return principal.role === 'family';
  return groundFor(resident, category, principal.role, alert) !== undefined;
}

/** Whether the caller may read this resident's data at all (the category is checked by each route). */
export function mayReadResident(registry: Registry, principal: Principal, residentId: string): boolean {
  switch (principal.role) {
    case 'admin':
      return true;
    case 'worker': {
      const resident = registry.get('residents', residentId);
      const worker = principal.subject === null ? undefined : registry.get('workers', principal.subject);
      return resident !== undefined && worker !== undefined && worker.grids.includes(resident.grid);
    }
    case 'doctor':
    case 'family':
      return residentsOf(registry, principal).some((r) => r.id === residentId);
    default:
      return false;
  }
}
