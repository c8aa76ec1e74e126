import { openedDedupKey } from '../types.js';
import type { Opening } from './state.js';
import type { Step } from './step.js';
import { base, note } from './step.js';

/** Opens a use unless one is running or the cabinet is being serviced. */
export function opened(s: Step, trigger: Opening['trigger']): void {
  const { cab, nowMs } = s;
  if (cab.maintenanceSinceMs !== null) return;
  const dedupKey = openedDedupKey(cab.aed.id);
  if (cab.opening !== null) {
    if (trigger === 'aed_removed' && !cab.opening.aedRemoved) {
      cab.opening.aedRemoved = true;
      // Taken in the same message as the door opened: the raise already says enough.
      if (cab.opening.openedAtMs !== nowMs) {
        note(s, 'aed_opened', dedupKey, 'The AED was taken out of the cabinet', { openingId: cab.opening.id });
      }
    }
    return;
  }
  cab.opening = { id: `${cab.aed.id}@${nowMs}`, openedAtMs: nowMs, trigger, aedRemoved: trigger === 'aed_removed' };
  const { aed } = cab;
  s.out.push({
    type: 'raise',
    kind: 'aed_opened',
    dedupKey,
    ...base(s),
    severity: 'critical',
    details: {
      openingId: cab.opening.id,
      trigger,
      deviceId: cab.deviceId,
      lat: aed.lat,
      lon: aed.lon,
      floor: aed.floor ?? null,
      description: aed.description ?? null,
      guardian: aed.guardian ?? null,
    },
  });
}

export type EndReason = 'door_closed' | 'aed_returned' | 'restock_confirmed' | 'maintenance_start';

export const END_TEXT: Record<EndReason, string> = {
  door_closed: 'The cabinet door closed with the AED inside',
  aed_returned: 'The AED was put back in the cabinet',
  restock_confirmed: 'The guardian confirmed the cabinet is restocked',
  maintenance_start: 'Maintenance started on the cabinet',
};

export function endUse(s: Step, reason: EndReason, by: string | null = null): void {
  const { cab, nowMs } = s;
  const opening = cab.opening;
  if (opening === null) return;
  cab.opening = null;
  s.cause = reason;
  const dedupKey = openedDedupKey(cab.aed.id);
  const details = {
    openingId: opening.id,
    reason,
    by,
    inUseForS: Math.round((nowMs - opening.openedAtMs) / 1000),
    aedRemoved: opening.aedRemoved,
  };
  note(s, 'aed_opened', dedupKey, END_TEXT[reason], details);
  // The guardian is at the cabinet in the other two cases: no need to ask.
  if (reason === 'door_closed' || reason === 'aed_returned') {
    cab.restockPending = true;
    s.out.push({ type: 'restockRequested', kind: 'aed_opened', dedupKey, ...base(s), guardian: cab.aed.guardian ?? null, details });
  }
}

/** The guardian says the cabinet is restocked and closed: ends a use, back to `ready`. */
export function restockConfirmed(s: Step, by: string): void {
  if (s.cab.opening !== null) endUse(s, 'restock_confirmed', by);
  else if (s.cab.restockPending) {
    note(s, 'aed_opened', openedDedupKey(s.cab.aed.id), END_TEXT.restock_confirmed, { by });
  }
  s.cab.restockPending = false;
}
