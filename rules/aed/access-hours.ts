import type { LocalTime } from '../safety/index.js';
import { DAY_MS, MINUTE_MS, WEEK_MS, localDayNumber, localTimeFor, weekdayOfDayNumber } from './calendar.js';
import type { AccessHoursSpec } from './types.js';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Open spans as offsets into a local week starting Monday 00:00, sorted, merged, [startMs, endMs). */
export interface WeeklySchedule {
  spans: readonly { startMs: number; endMs: number }[];
}

export type ParsedAccessHours = { ok: true; schedule: WeeklySchedule } | { ok: false; error: string };

const ALWAYS: WeeklySchedule = { spans: [{ startMs: 0, endMs: WEEK_MS }] };
const TIME = /^(\d{2}):(\d{2})$/;

function parseTimeOfDayMin(text: string): number | undefined {
  const m = TIME.exec(text.trim());
  if (m === null) return undefined;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (min > 59 || h > 24 || (h === 24 && min !== 0)) return undefined;
  return h * 60 + min;
}

/** "08:00-20:00" → minutes after the day's midnight; an end at or before the start runs past midnight. */
function parseRange(text: string): { startMin: number; endMin: number } | undefined {
  const parts = text.split('-');
  if (parts.length !== 2) return undefined;
  const startMin = parseTimeOfDayMin(parts[0] ?? '');
  const endMin = parseTimeOfDayMin(parts[1] ?? '');
  if (startMin === undefined || endMin === undefined || startMin >= 24 * 60) return undefined;
  // "20:00-02:00" ends 02:00 the next day; "08:00-08:00" is a whole day from 08:00.
  return { startMin, endMin: endMin > startMin ? endMin : endMin + 24 * 60 };
}

/** "mon", "mon-fri", or a range across the week's end such as "fri-mon". */
function parseDays(key: string): number[] | undefined {
  const parts = key.trim().toLowerCase().split('-');
  if (parts.length > 2) return undefined;
  const from = WEEKDAYS.indexOf((parts[0] ?? '') as Weekday);
  const to = WEEKDAYS.indexOf((parts[parts.length - 1] ?? '') as Weekday);
  if (from < 0 || to < 0) return undefined;
  const days: number[] = [];
  for (let d = from; ; d = (d + 1) % 7) {
    days.push(d);
    if (d === to) break;
  }
  return days;
}

function mergeSpans(spans: { startMs: number; endMs: number }[]): { startMs: number; endMs: number }[] {
  const sorted = [...spans].sort((a, b) => a.startMs - b.startMs);
  const merged: { startMs: number; endMs: number }[] = [];
  for (const span of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && span.startMs <= last.endMs) last.endMs = Math.max(last.endMs, span.endMs);
    else merged.push({ ...span });
  }
  return merged;
}

/**
 * Parses a cabinet's access hours into a weekly schedule. Where keys overlap, the narrower one
 * wins for its days (`mon-sun` then `sun` makes Sunday an exception); equally wide keys add up.
 */
export function parseAccessHours(spec: AccessHoursSpec | undefined): ParsedAccessHours {
  if (spec === undefined || spec === '24/7') return { ok: true, schedule: ALWAYS };
  if (typeof spec !== 'object' || spec === null) return { ok: false, error: 'access hours must be "24/7" or an object' };
  const byDay: { width: number; startMin: number; endMin: number }[][] = WEEKDAYS.map(() => []);
  for (const [key, value] of Object.entries(spec)) {
    const days = parseDays(key);
    if (days === undefined) return { ok: false, error: `"${key}" is not a weekday or weekday range (mon..sun)` };
    const range = typeof value === 'string' ? parseRange(value) : undefined;
    if (range === undefined) return { ok: false, error: `"${key}": "${String(value)}" is not "HH:MM-HH:MM"` };
    for (const day of days) {
      const current = byDay[day] ?? [];
      const width = current[0]?.width ?? Number.POSITIVE_INFINITY;
      const entry = { width: days.length, ...range };
      if (days.length < width) byDay[day] = [entry];
      else if (days.length === width) current.push(entry);
    }
  }
  const spans: { startMs: number; endMs: number }[] = [];
  byDay.forEach((entries, day) => {
    for (const { startMin, endMin } of entries) {
      const startMs = day * DAY_MS + startMin * MINUTE_MS;
      const endMs = day * DAY_MS + endMin * MINUTE_MS;
      // Sunday night past midnight is Monday morning at the week's start.
      if (endMs <= WEEK_MS) spans.push({ startMs, endMs });
      else spans.push({ startMs, endMs: WEEK_MS }, { startMs: 0, endMs: endMs - WEEK_MS });
    }
  });
  return { ok: true, schedule: { spans: mergeSpans(spans) } };
}

/** A problem with an access-hours value, for the registry's validation; undefined when sound. */
export function validateAccessHours(spec: AccessHoursSpec | undefined): string | undefined {
  const parsed = parseAccessHours(spec);
  return parsed.ok ? undefined : parsed.error;
}

function weekOffsetMs(tsMs: number, local: LocalTime): number {
  return weekdayOfDayNumber(localDayNumber(tsMs, local)) * DAY_MS + local.msOfDay(tsMs);
}

/** The instant `deltaMs` of wall-clock time after tsMs, corrected across a daylight-saving change. */
function wallClockLater(tsMs: number, deltaMs: number, local: LocalTime): number {
  const guess = tsMs + deltaMs;
  const corrected = guess - (local.offsetMs(guess) - local.offsetMs(tsMs));
  return corrected > tsMs ? corrected : guess;
}

function spanAt(schedule: WeeklySchedule, offsetMs: number) {
  return schedule.spans.find((s) => offsetMs >= s.startMs && offsetMs < s.endMs);
}

export function isOpenAt(schedule: WeeklySchedule, tsMs: number, local: LocalTime): boolean {
  return spanAt(schedule, weekOffsetMs(tsMs, local)) !== undefined;
}

/** The next instant at or after tsMs when the schedule is open; null when it never opens. */
export function nextOpeningMs(schedule: WeeklySchedule, tsMs: number, local: LocalTime): number | null {
  if (schedule.spans.length === 0) return null;
  const offset = weekOffsetMs(tsMs, local);
  if (spanAt(schedule, offset) !== undefined) return tsMs;
  let best = Number.POSITIVE_INFINITY;
  for (const span of schedule.spans) best = Math.min(best, (span.startMs - offset + WEEK_MS) % WEEK_MS);
  return wallClockLater(tsMs, best, local);
}

/** When the open span holding tsMs ends; null when closed now or open all week. */
export function nextClosingMs(schedule: WeeklySchedule, tsMs: number, local: LocalTime): number | null {
  const offset = weekOffsetMs(tsMs, local);
  const span = spanAt(schedule, offset);
  if (span === undefined) return null;
  if (span.startMs === 0 && span.endMs === WEEK_MS) return null;
  let endMs = span.endMs;
  // A span running to the week's end continues with the one starting Monday 00:00.
  if (endMs === WEEK_MS) {
    const first = schedule.spans[0];
    if (first !== undefined && first.startMs === 0) endMs = WEEK_MS + first.endMs;
  }
  return wallClockLater(tsMs, endMs - offset, local);
}

/** Whether a cabinet with these access hours can be opened at tsMs; malformed hours count as closed. */
export function isAccessibleAt(spec: AccessHoursSpec | undefined, tsMs: number, timeZone: string): boolean {
  const parsed = parseAccessHours(spec);
  return parsed.ok && isOpenAt(parsed.schedule, tsMs, localTimeFor(timeZone));
}

export interface Accessibility {
  open: boolean;
  /** When closed: the next opening (null when it never opens or the hours are malformed). */
  nextOpeningMs: number | null;
  /** When open: the closing time (null when always open). */
  closesAtMs: number | null;
}

export function accessibilityAt(spec: AccessHoursSpec | undefined, tsMs: number, timeZone: string): Accessibility {
  const parsed = parseAccessHours(spec);
  if (!parsed.ok) return { open: false, nextOpeningMs: null, closesAtMs: null };
  const local = localTimeFor(timeZone);
  const open = isOpenAt(parsed.schedule, tsMs, local);
  return open
    ? { open, nextOpeningMs: null, closesAtMs: nextClosingMs(parsed.schedule, tsMs, local) }
    : { open, nextOpeningMs: nextOpeningMs(parsed.schedule, tsMs, local), closesAtMs: null };
}
