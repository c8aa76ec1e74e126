import type { DailyWindow } from './daily-window.js';
import { windowContains } from './daily-window.js';

/** The deployment's default time zone (CONTRACT.md, provision file `timeZone`). */
export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
/** UTC offsets and their changes fall on quarter hours, so one offset holds for a whole bucket. */
const OFFSET_BUCKET_MS = 15 * MINUTE_MS;
const OFFSET_CACHE_LIMIT = 4096;

/** Wall-clock arithmetic in one IANA time zone, through Intl only. */
export interface LocalTime {
  readonly timeZone: string;
  /** Local wall clock minus UTC at this instant. */
  offsetMs(tsMs: number): number;
  msOfDay(tsMs: number): number;
  isWithin(tsMs: number, window: DailyWindow): boolean;
  /** How much of [fromMs, toMs) falls inside the window. */
  overlapMs(fromMs: number, toMs: number, window: DailyWindow): number;
  /** The first instant at or after fromMs whose local time of day is minuteOfDay. */
  nextTimeOfDayMs(fromMs: number, minuteOfDay: number): number;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

export function createLocalTime(timeZone: string): LocalTime {
  // Throws a RangeError for an unknown zone: a configuration bug, caught at start.
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  const cache = new Map<number, number>();

  function computeOffset(tsMs: number): number {
    const fields: Record<string, number> = {};
    for (const part of format.formatToParts(tsMs)) {
      if (part.type !== 'literal') fields[part.type] = Number(part.value);
    }
    const wall = Date.UTC(
      fields.year ?? 1970,
      (fields.month ?? 1) - 1,
      fields.day ?? 1,
      fields.hour ?? 0,
      fields.minute ?? 0,
      fields.second ?? 0,
    );
    return wall - Math.floor(tsMs / 1000) * 1000;
  }

  function offsetMs(tsMs: number): number {
    const bucket = Math.floor(tsMs / OFFSET_BUCKET_MS);
    const hit = cache.get(bucket);
    if (hit !== undefined) return hit;
    const offset = computeOffset(bucket * OFFSET_BUCKET_MS);
    if (cache.size >= OFFSET_CACHE_LIMIT) cache.clear();
    cache.set(bucket, offset);
    return offset;
  }

  function msOfDay(tsMs: number): number {
    return (((tsMs + offsetMs(tsMs)) % DAY_MS) + DAY_MS) % DAY_MS;
  }

  /** The next instant strictly after tsMs whose local time of day is targetMs, or tsMs + a day. */
  function nextLocalMs(tsMs: number, targetMs: number): number {
    const distance = (targetMs - msOfDay(tsMs) + DAY_MS) % DAY_MS || DAY_MS;
    const guess = tsMs + distance;
    // Across a daylight-saving change the wall clock moved: correct by the change.
    const corrected = guess - (offsetMs(guess) - offsetMs(tsMs));
    return corrected > tsMs ? corrected : guess;
  }

  return {
    timeZone,
    offsetMs,
    msOfDay,
    isWithin(tsMs, window) {
      return windowContains(window, Math.floor(msOfDay(tsMs) / MINUTE_MS));
    },
    overlapMs(fromMs, toMs, window) {
      if (!(toMs > fromMs)) return 0;
      if (window.startMin === window.endMin) return toMs - fromMs;
      let total = 0;
      let t = fromMs;
      // Two boundaries a day; the bound only guards against a zone with a pathological history.
      for (let steps = 0; t < toMs && steps < 4 * Math.ceil((toMs - fromMs) / DAY_MS) + 8; steps += 1) {
        const inside = windowContains(window, Math.floor(msOfDay(t) / MINUTE_MS));
        const boundaryMs = (inside ? window.endMin : window.startMin) * MINUTE_MS;
        const end = Math.min(nextLocalMs(t, boundaryMs), toMs);
        if (inside) total += end - t;
        t = end;
      }
      return total;
    },
    nextTimeOfDayMs(fromMs, minuteOfDay) {
      const target = (minuteOfDay * MINUTE_MS) % DAY_MS;
      if (msOfDay(fromMs) === target) return fromMs;
      return nextLocalMs(fromMs, target);
    },
  };
}
