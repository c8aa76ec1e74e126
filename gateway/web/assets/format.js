// @ts-check
import { language, t } from './i18n.js';

/*
 * Times as the deployment sees them: its time zone (the page's `time-zone` meta, from the
 * provision file) and the gateway's clock. A phone's clock can be off, and "since 5 min" must
 * mean five minutes of the gateway's time.
 */

const zoneMeta = document.querySelector('meta[name="time-zone"]');
const timeZone = zoneMeta?.getAttribute('content') || Intl.DateTimeFormat().resolvedOptions().timeZone;

let clockOffsetMs = 0;

/**
 * Lines this browser's clock up with the gateway's, from a time the gateway just reported.
 * @param {string} gatewayIso
 */
export function syncClock(gatewayIso) {
  const gatewayMs = Date.parse(gatewayIso);
  if (Number.isFinite(gatewayMs)) clockOffsetMs = gatewayMs - Date.now();
}

/** The gateway's current time in epoch milliseconds. */
export function gatewayNow() {
  return Date.now() + clockOffsetMs;
}

/** @param {Intl.DateTimeFormatOptions} options */
function formatter(options) {
  return new Intl.DateTimeFormat(language() === 'zh' ? 'zh-CN' : 'en-GB', { timeZone, hourCycle: 'h23', ...options });
}

/** @param {number} ms */
function dayOf(ms) {
  return formatter({ year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);
}

/**
 * A clock time, with the date when it is not today.
 * @param {string | number} time
 * @param {{ seconds?: boolean }} [options]
 */
export function formatTime(time, options = {}) {
  const ms = typeof time === 'number' ? time : Date.parse(time);
  const clock = formatter({ hour: '2-digit', minute: '2-digit', ...(options.seconds === true ? { second: '2-digit' } : {}) }).format(ms);
  if (dayOf(ms) === dayOf(gatewayNow())) return clock;
  return `${formatter({ month: 'short', day: 'numeric' }).format(ms)} ${clock}`;
}

/**
 * How long ago, in the gateway's time: "5 min", "2 h 10 min", "3 days".
 * @param {string | number} time
 */
export function formatAge(time) {
  const ms = typeof time === 'number' ? time : Date.parse(time);
  const minutes = Math.max(0, Math.floor((gatewayNow() - ms) / 60_000));
  if (minutes < 1) return t('age.justNow');
  if (minutes < 60) return t('age.minutes', { n: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours >= 48) return t('age.days', { n: Math.floor(hours / 24) });
  if (hours >= 6 || minutes % 60 === 0) return t('age.hours', { n: hours });
  return t('age.hoursMinutes', { h: hours, m: minutes % 60 });
}

/** @param {number} metres */
export function formatDistance(metres) {
  return metres < 1000 ? `${Math.round(metres)} m` : `${(metres / 1000).toFixed(1)} km`;
}

/** The hour of a time, for chart axes ("14:00"). @param {number} ms */
export function formatHour(ms) {
  return formatter({ hour: '2-digit', minute: '2-digit' }).format(ms);
}

/** The day of a time, for chart axes ("12-01" / "1 Dec"). @param {number} ms */
export function formatDay(ms) {
  return formatter({ month: language() === 'zh' ? '2-digit' : 'short', day: language() === 'zh' ? '2-digit' : 'numeric' }).format(ms);
}
