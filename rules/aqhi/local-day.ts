/*
 * Local calendar days in the deployment's time zone (IANA name), from epoch milliseconds.
 * Intl does the zone arithmetic; nothing here reads the clock.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const formatters = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-CA', {
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

/** The zone's offset from UTC at an instant, in ms (UTC+8 → 28 800 000). */
export function zoneOffsetMs(timeZone: string, atMs: number): number {
  const p = Object.fromEntries(partsFormatter(timeZone).formatToParts(new Date(atMs)).map((x) => [x.type, x.value]));
  const asUtc = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  return asUtc - (atMs - (((atMs % 1000) + 1000) % 1000));
}

/** `YYYY-MM-DD` of the local day holding the instant. */
export function localDateOf(atMs: number, timeZone: string): string {
  return new Date(atMs + zoneOffsetMs(timeZone, atMs)).toISOString().slice(0, 10);
}

/** The instant a local wall-clock time occurs (the first one, should a DST change repeat it). */
export function localTimeToMs(date: string, minutesOfDay: number, timeZone: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d) + minutesOfDay * 60_000;
  // Two passes settle the offset on either side of a change.
  let guess = wall - zoneOffsetMs(timeZone, wall);
  guess = wall - zoneOffsetMs(timeZone, guess);
  return guess;
}

/** [startMs, endMs) of a local day; 23 or 25 hours long across a DST change. */
export function localDayBounds(date: string, timeZone: string): { startMs: number; endMs: number } {
  const startMs = localTimeToMs(date, 0, timeZone);
  return { startMs, endMs: localTimeToMs(addDays(date, 1), 0, timeZone) };
}

export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d) + days * DAY_MS).toISOString().slice(0, 10);
}

/** `HH:MM` → minutes after midnight; throws on anything else. */
export function parseTimeOfDay(hhmm: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  if (m === null) throw new RangeError(`not a time of day (HH:MM): ${JSON.stringify(hhmm)}`);
  return Number(m[1]) * 60 + Number(m[2]);
}
