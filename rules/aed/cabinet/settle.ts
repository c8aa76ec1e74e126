import type { CabinetStatus } from '../types.js';
import { BLOCKING_FAULTS, FAULT_KEYS, faultDedupKey } from '../types.js';
import { clearDetails } from './faults.js';
import type { CabinetState } from './state.js';
import type { Step } from './step.js';
import { base } from './step.js';

function deriveStatus(cab: CabinetState): CabinetStatus {
  if (cab.maintenanceSinceMs !== null) return 'maintenance';
  if (cab.opening !== null) return 'in_use';
  if (cab.active.no_heartbeat !== undefined) return 'offline';
  if (FAULT_KEYS.some((key) => BLOCKING_FAULTS.has(key) && cab.active[key] !== undefined)) return 'fault';
  return 'ready';
}

function statusReason(cab: CabinetState, status: CabinetStatus, cause: string): string {
  switch (status) {
    case 'maintenance':
      return 'maintenance_start';
    case 'in_use':
      return cab.opening?.trigger ?? cause;
    case 'offline':
      return 'no_heartbeat';
    case 'fault':
      return FAULT_KEYS.find((key) => BLOCKING_FAULTS.has(key) && cab.active[key] !== undefined) ?? cause;
    case 'ready':
      return cause;
  }
}

/**
 * Raises what became true and clears what stopped, one alert per fault for as long as it holds.
 * During maintenance nothing new is raised (a technician swapping the battery is not a fault);
 * what still holds when it ends is raised then.
 */
export function settle(s: Step): void {
  const { cab, nowMs } = s;
  const servicing = cab.maintenanceSinceMs !== null;
  for (const fault of FAULT_KEYS) {
    const active = cab.active[fault];
    const raisedAtMs = cab.raised[fault];
    const dedupKey = faultDedupKey(cab.aed.id, fault);
    if (active !== undefined && raisedAtMs === undefined && !servicing) {
      cab.raised[fault] = nowMs;
      s.out.push({
        type: 'raise',
        kind: 'aed_fault',
        dedupKey,
        ...base(s),
        severity: s.severity,
        details: {
          faultKey: fault,
          deviceId: cab.deviceId,
          guardian: cab.aed.guardian ?? null,
          serial: cab.aed.serial ?? null,
          sinceMs: active.sinceMs,
          ...active.details,
        },
      });
    } else if (active === undefined && raisedAtMs !== undefined) {
      delete cab.raised[fault];
      s.out.push({
        type: 'clear',
        kind: 'aed_fault',
        dedupKey,
        ...base(s),
        details: { faultKey: fault, raisedAtMs, ...clearDetails(cab, fault, nowMs) },
      });
    }
  }
  const status = deriveStatus(cab);
  if (status !== cab.status) {
    s.out.push({ type: 'stateChanged', ...base(s), from: cab.status, to: status, reason: statusReason(cab, status, s.cause) });
    cab.status = status;
  }
}
