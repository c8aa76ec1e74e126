/** A span of local time of day, in minutes after midnight; end < start wraps past midnight. */
export interface DailyWindow {
  startMin: number;
  endMin: number;
}

const HH_MM = /^(\d{2}):(\d{2})$/;

function parseMinute(text: string, allow24: boolean): number | undefined {
  const m = HH_MM.exec(text.trim());
  if (m === null) return undefined;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (min > 59) return undefined;
  if (h === 24 && min === 0 && allow24) return 24 * 60;
  if (h > 23) return undefined;
  return h * 60 + min;
}

/** Parses "07:00-22:00" (or "22:00-07:00" across midnight); undefined when malformed. */
export function parseDailyWindow(text: string): DailyWindow | undefined {
  const parts = text.split('-');
  if (parts.length !== 2) return undefined;
  const startMin = parseMinute(parts[0] ?? '', false);
  const endMin = parseMinute(parts[1] ?? '', true);
  if (startMin === undefined || endMin === undefined) return undefined;
  return { startMin, endMin: endMin % (24 * 60) };
}

/** Whether a minute of the day lies in the window; start == end means the whole day. */
export function windowContains(window: DailyWindow, minuteOfDay: number): boolean {
  const { startMin, endMin } = window;
  if (startMin === endMin) return true;
  if (startMin < endMin) return minuteOfDay >= startMin && minuteOfDay < endMin;
  return minuteOfDay >= startMin || minuteOfDay < endMin;
}
