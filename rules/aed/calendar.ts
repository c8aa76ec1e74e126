import type { LocalTime } from '../safety/index.js';
import { createLocalTime } from '../safety/index.js';

export const MINUTE_MS = 60_000;
export const DAY_MS = 24 * 60 * MINUTE_MS;
export const WEEK_MS = 7 * DAY_MS;

/** A date, or the date part of a date-time: cabinets may report `padsExpiry` as either (sensors/validate.ts). */
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T|$)/;
const LOCAL_TIME_CACHE_LIMIT = 64;
const localTimes = new Map<string, LocalTime>();

/**
 * One LocalTime per zone: building an Intl formatter is the slow part, and the pure functions
 * here take a zone name on every call. Throws a RangeError for an unknown zone.
 */
export function localTimeFor(timeZone: string): LocalTime {
  const hit = localTimes.get(timeZone);
  if (hit !== undefined) return hit;
  const created = createLocalTime(timeZone);
  if (localTimes.size >= LOCAL_TIME_CACHE_LIMIT) localTimes.clear();
  localTimes.set(timeZone, created);
  return created;
}

/** Days since 1970-01-01 of the local calendar date at this instant. */
export function localDayNumber(tsMs: number, local: LocalTime): number {
  return Math.floor((tsMs + local.offsetMs(tsMs)) / DAY_MS);
}

/** Days since 1970-01-01 of a `YYYY-MM-DD` date (a time after it is ignored); undefined when it is not a real date. */
export function isoDateDayNumber(date: string): number | undefined {
  const m = ISO_DATE.exec(date);
  if (m === null) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const utc = Date.UTC(year, month - 1, day);
  const check = new Date(utc);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return undefined;
  return utc / DAY_MS;
}

/** Monday 0 .. Sunday 6 of a day number (1970-01-01 was a Thursday). */
export function weekdayOfDayNumber(dayNumber: number): number {
  return (((dayNumber + 3) % 7) + 7) % 7;
}

/**
 * Whole local days from today to a `YYYY-MM-DD` date: 0 on the date itself, negative after it;
 * undefined for a malformed date.
 */
export function daysUntil(date: string, nowMs: number, local: LocalTime): number | undefined {
  const target = isoDateDayNumber(date);
  return target === undefined ? undefined : target - localDayNumber(nowMs, local);
}

/**
 * A use-by date is the last day of use (ISO 15223-1:2021, symbol 5.1.4 "Use-by date"): pads dated
 * 2027-05-01 are usable through that local day and expired from the next local midnight.
 */
export function isExpired(date: string, nowMs: number, local: LocalTime): boolean {
  const days = daysUntil(date, nowMs, local);
  return days !== undefined && days < 0;
}
