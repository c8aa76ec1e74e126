/**
 * Local time of day in the deployment's time zone (CONTRACT.md §5, default Asia/Shanghai): a
 * resident's day follows the wall clock, not UTC.
 */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export interface LocalTime {
  /** `YYYY-MM-DD` */
  date: string;
  hour: number;
  minute: number;
  second: number;
  /** Minutes since local midnight, with fractions. */
  minuteOfDay: number;
}

export function localTime(ms: number, timeZone: string): LocalTime {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(ms)) parts[p.type] = p.value;
  const hour = Number(parts.hour);
  const minute = Number(parts.minute);
  const second = Number(parts.second);
  const subSecond = (((ms % 1000) + 1000) % 1000) / 1000;
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    hour,
    minute,
    second,
    minuteOfDay: hour * 60 + minute + (second + subSecond) / 60,
  };
}

/**
 * The instant of local midnight starting the day that contains ms. Exact in zones without
 * daylight saving (China); on a transition day elsewhere it is off by the shift, which a
 * simulated daily rhythm tolerates.
 */
export function localMidnightMs(ms: number, timeZone: string): number {
  return ms - Math.round(localTime(ms, timeZone).minuteOfDay * MINUTE_MS);
}

/** Parses `HH:MM` into minutes since midnight. */
export function parseClockTime(text: string): number {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  if (match === null) throw new Error(`"${text}" is not a time of day (HH:MM)`);
  return Number(match[1]) * 60 + Number(match[2]);
}

/** The next instant at or after fromMs when the local clock shows `HH:MM`. */
export function nextLocalTimeMs(fromMs: number, clockTime: string, timeZone: string): number {
  const candidate = localMidnightMs(fromMs, timeZone) + parseClockTime(clockTime) * MINUTE_MS;
  return candidate >= fromMs ? candidate : candidate + DAY_MS;
}

/** `HH:MM:SS` on the local clock, for progress lines. */
export function formatLocalClock(ms: number, timeZone: string): string {
  const t = localTime(ms, timeZone);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}`;
}
