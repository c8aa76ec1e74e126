import type { LocalTime, OutcomeDetails } from '../../safety/index.js';
import { daysUntil, localDayNumber } from '../calendar.js';
import type { AedFaultRules } from '../defaults.js';
import type { FaultKey } from '../types.js';
import { faultDedupKey } from '../types.js';
import type { CabinetState } from './state.js';
import { padsExpiryInForce } from './state.js';
import type { Step } from './step.js';
import { note } from './step.js';

export function selfTest(s: Step, result: 'pass' | 'fail'): void {
  const { cab, nowMs } = s;
  cab.lastSelfTest = { result, atMs: nowMs };
  if (result === 'pass') delete cab.active.self_test_failed;
  else cab.active.self_test_failed ??= { sinceMs: nowMs, details: { selfTest: 'fail' } };
}

export function battery(s: Step, bat: number, rules: AedFaultRules): void {
  const { cab, nowMs } = s;
  cab.bat = bat;
  const current = cab.active.battery_low;
  const details = { bat, belowPct: rules.batteryLowBelowPct, clearAtPct: rules.batteryClearAtPct };
  if (current === undefined) {
    if (bat < rules.batteryLowBelowPct) cab.active.battery_low = { sinceMs: nowMs, details };
  } else if (bat >= rules.batteryClearAtPct) delete cab.active.battery_low;
  else cab.active.battery_low = { ...current, details };
}

export function temperature(s: Step, tempC: number, rules: AedFaultRules): void {
  const { cab, nowMs } = s;
  cab.tempC = tempC;
  const current = cab.active.temperature_out_of_range;
  const details = { tempC, minC: rules.tempMinC, maxC: rules.tempMaxC };
  const outside = tempC < rules.tempMinC || tempC > rules.tempMaxC;
  const wellInside = tempC >= rules.tempMinC + rules.tempHysteresisC && tempC <= rules.tempMaxC - rules.tempHysteresisC;
  if (current === undefined) {
    if (outside) cab.active.temperature_out_of_range = { sinceMs: nowMs, details };
  } else if (wellInside) delete cab.active.temperature_out_of_range;
  else cab.active.temperature_out_of_range = { ...current, details };
}

export function checkExpiry(s: Step, rules: AedFaultRules, local: LocalTime): void {
  const { cab, nowMs } = s;
  cab.expiryCheckedDay = localDayNumber(nowMs, local);
  const dates: [FaultKey, string | null, string][] = [
    ['pads_expiring', padsExpiryInForce(cab), 'pads'],
    ['battery_expiring', cab.aed.batteryExpiry ?? null, 'battery'],
  ];
  for (const [fault, date, part] of dates) {
    const daysLeft = date === null ? undefined : daysUntil(date, nowMs, local);
    const current = cab.active[fault];
    if (date === null || daysLeft === undefined || daysLeft > rules.expiringWithinDays) {
      delete cab.active[fault];
      continue;
    }
    const expired = daysLeft < 0;
    if (expired && current?.details.expired === false && cab.raised[fault] !== undefined) {
      note(s, 'aed_fault', faultDedupKey(cab.aed.id, fault), `The ${part} expired on ${date}`, { faultKey: fault, expiresOn: date });
    }
    const details = { expiresOn: date, daysLeft, expired, withinDays: rules.expiringWithinDays };
    cab.active[fault] = { sinceMs: current?.sinceMs ?? nowMs, details };
  }
}

/** What a cleared fault's alert says about why it cleared. */
export function clearDetails(cab: CabinetState, fault: FaultKey, nowMs: number): OutcomeDetails {
  switch (fault) {
    case 'self_test_failed':
      return { selfTest: cab.lastSelfTest?.result ?? null };
    case 'battery_low':
      return { bat: cab.bat };
    case 'temperature_out_of_range':
      return { tempC: cab.tempC };
    case 'pads_expiring':
      return { expiresOn: padsExpiryInForce(cab) };
    case 'battery_expiring':
      return { expiresOn: cab.aed.batteryExpiry ?? null };
    case 'no_heartbeat':
      return { silentForS: Math.round((nowMs - cab.silenceSinceMs) / 1000) };
  }
}
