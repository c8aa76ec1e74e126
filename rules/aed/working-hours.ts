import { isOpenAt, nextOpeningMs, parseAccessHours } from './access-hours.js';
import { localTimeFor } from './calendar.js';
import type { AccessHoursSpec } from './types.js';

/** When a guardian may be paged about a fault that can wait: not at night. */
export const DEFAULT_WORKING_HOURS = '08:00-20:00';

/**
 * `nowMs` when it falls in working hours, otherwise the next start of working hours. Working
 * hours are a daily `"HH:MM-HH:MM"` or a weekly spec like a cabinet's access hours
 * (`{"mon-fri": "09:00-18:00"}`). Throws on a malformed value: that is a configuration bug.
 */
export function nextWorkingTimeMs(
  nowMs: number,
  timeZone: string,
  workingHours: string | AccessHoursSpec = DEFAULT_WORKING_HOURS,
): number {
  const spec: AccessHoursSpec =
    typeof workingHours === 'string' && workingHours !== '24/7' ? { 'mon-sun': workingHours } : workingHours;
  const parsed = parseAccessHours(spec);
  if (!parsed.ok) throw new RangeError(`working hours: ${parsed.error}`);
  const local = localTimeFor(timeZone);
  if (isOpenAt(parsed.schedule, nowMs, local)) return nowMs;
  const next = nextOpeningMs(parsed.schedule, nowMs, local);
  if (next === null) throw new RangeError('working hours: never open');
  return next;
}
