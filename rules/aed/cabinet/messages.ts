import type { AedEventType, AedValues } from '../../device-messages.js';
import type { AedFaultRules } from '../defaults.js';
import { battery, selfTest, temperature } from './faults.js';
import type { Step } from './step.js';
import { endUse, opened } from './use.js';

/** Any message at all is a heartbeat, except a Last Will: that is the broker speaking. */
export function heard(s: Step, deviceId: string): void {
  s.cab.deviceId = deviceId;
  s.cab.lastMessageAtMs = s.nowMs;
  s.cab.silenceSinceMs = s.nowMs;
  delete s.cab.active.no_heartbeat;
}

export function applyTelemetry(s: Step, values: AedValues, rules: AedFaultRules): void {
  const { cab } = s;
  // Door open first and door closed last, so {door: closed, present: true} ends a use in one message.
  if (values.door === 'open') {
    const was = cab.door;
    cab.door = 'open';
    if (was === 'closed') opened(s, 'door_open');
  }
  if (values.present !== undefined) {
    const was = cab.present;
    cab.present = values.present;
    if (was === true && !values.present) opened(s, 'aed_removed');
    if (was === false && values.present && cab.door === 'closed') endUse(s, 'aed_returned');
  }
  if (values.door === 'closed') {
    const was = cab.door;
    cab.door = 'closed';
    if (was !== 'closed' && cab.present !== false) endUse(s, 'door_closed');
  }
  if (values.selfTest !== undefined) selfTest(s, values.selfTest);
  if (values.bat !== undefined) battery(s, values.bat, rules);
  if (values.tempC !== undefined) temperature(s, values.tempC, rules);
  if (values.padsExpiry !== undefined && values.padsExpiry !== cab.devicePadsExpiry) {
    cab.devicePadsExpiry = values.padsExpiry;
    cab.padsExpirySource = 'device';
    s.checkExpiry = true;
  }
}

export function applyEvent(s: Step, type: AedEventType): void {
  const { cab } = s;
  switch (type) {
    case 'door_open':
      cab.door = 'open';
      opened(s, 'door_open');
      return;
    case 'door_closed':
      cab.door = 'closed';
      // Without a presence sensor (present unknown) a closed door is all there is to go on.
      if (cab.present !== false) endUse(s, 'door_closed');
      return;
    case 'aed_removed':
      cab.present = false;
      opened(s, 'aed_removed');
      return;
    case 'aed_returned':
      cab.present = true;
      endUse(s, 'aed_returned');
      return;
    case 'self_test_fail':
      selfTest(s, 'fail');
      return;
    case 'maintenance_start':
      cab.maintenanceSinceMs ??= s.nowMs;
      endUse(s, 'maintenance_start');
      return;
    case 'maintenance_end':
      cab.maintenanceSinceMs = null;
      // Servicing the cabinet includes restocking it.
      cab.restockPending = false;
      return;
    default:
      return;
  }
}

/** A tick: heartbeat silence, and maintenance left running past its limit. */
export function applyTick(s: Step, rules: AedFaultRules): void {
  const { cab, nowMs } = s;
  const silentMs = nowMs - cab.silenceSinceMs;
  if (silentMs >= rules.heartbeatTimeoutS * 1000 && cab.active.no_heartbeat === undefined) {
    cab.active.no_heartbeat = {
      sinceMs: nowMs,
      details: { lastMessageAtMs: cab.lastMessageAtMs, silentForS: Math.round(silentMs / 1000), afterS: rules.heartbeatTimeoutS },
    };
  }
  if (cab.maintenanceSinceMs !== null && nowMs - cab.maintenanceSinceMs >= rules.maintenanceMaxS * 1000) {
    cab.maintenanceSinceMs = null;
    s.cause = 'maintenance_timed_out';
  }
}
