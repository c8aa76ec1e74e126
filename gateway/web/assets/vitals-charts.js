// @ts-check
import { h, s } from './dom.js';
import { formatHour, gatewayNow } from './format.js';
import { t } from './i18n.js';
import { api } from './session.js';

/** @typedef {import('./types.js').DeviceReadings} DeviceReadings */

/*
 * A resident's last 24 hours on the alert view, from the bracelet's readings
 * (GET /api/devices/:id/readings): heart rate, SpO2, blood pressure and steps as small hourly
 * charts, so the worker sees whether tonight's low oxygen is new or has been sliding all day.
 */

const HOUR_MS = 3_600_000;
const WIDTH = 300;
const HEIGHT = 72;
const PLOT = { left: 30, right: 296, top: 6, bottom: 56 };

/** @typedef {{ hourMs: number, value: number }} HourPoint */

/**
 * Hourly means of a field (or, for the step counter, the steps taken in each hour: the counter
 * runs from local midnight, so an hour's steps are its highest count less the hour before's).
 * @param {DeviceReadings['readings']} readings
 * @param {string} field
 * @param {'mean' | 'steps'} how
 * @returns {HourPoint[]}
 */
export function hourly(readings, field, how) {
  /** @type {Map<number, number[]>} */
  const byHour = new Map();
  for (const reading of readings) {
    const value = reading[field];
    if (typeof value !== 'number' || !Number.isFinite(value)) continue;
    const hourMs = Math.floor(reading.ts / HOUR_MS) * HOUR_MS;
    byHour.set(hourMs, [...(byHour.get(hourMs) ?? []), value]);
  }
  const hours = [...byHour.keys()].sort((a, b) => a - b);
  if (how === 'mean') return hours.map((hourMs) => ({ hourMs, value: mean(byHour.get(hourMs) ?? []) }));
  /** @type {HourPoint[]} */
  const points = [];
  let previousMax = null;
  for (const hourMs of hours) {
    const max = Math.max(...(byHour.get(hourMs) ?? [0]));
    const taken = previousMax === null ? null : max >= previousMax ? max - previousMax : max;
    if (taken !== null) points.push({ hourMs, value: taken });
    previousMax = max;
  }
  return points;
}

/** @param {number[]} values */
function mean(values) {
  return values.reduce((sum, v) => sum + v, 0) / Math.max(1, values.length);
}

/**
 * @param {string} name
 * @param {{ points: HourPoint[], className: string }[]} series
 * @param {number} fromMs
 * @param {number} toMs
 * @param {string} unit
 */
function chart(name, series, fromMs, toMs, unit) {
  const all = series.flatMap((line) => line.points.map((p) => p.value));
  const figure = h('figure', { class: 'vital', 'data-vital': series[0]?.className ?? '' }, h('figcaption', {}, name));
  if (all.length === 0) {
    figure.append(h('p', { class: 'muted' }, t('vitals.none')));
    return figure;
  }
  const low = Math.min(...all);
  const high = Math.max(...all);
  const pad = Math.max(1, (high - low) * 0.1);
  const bottom = Math.max(0, Math.floor(low - pad));
  const top = Math.ceil(high + pad);
  const x = (/** @type {number} */ ms) => PLOT.left + ((ms + HOUR_MS / 2 - fromMs) / (toMs - fromMs)) * (PLOT.right - PLOT.left);
  const y = (/** @type {number} */ v) => PLOT.bottom - ((v - bottom) / Math.max(1, top - bottom)) * (PLOT.bottom - PLOT.top);
  const summary = t('vitals.summary', { name, n: series[0]?.points.length ?? 0, min: Math.round(low), max: Math.round(high) });
  const svg = s('svg', { class: 'vital-chart', viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': summary, 'data-points': all.length }, s('title', {}, summary));
  for (const tick of [bottom, top]) {
    svg.append(
      s('line', { class: 'axis', x1: PLOT.left, x2: PLOT.right, y1: y(tick), y2: y(tick) }),
      s('text', { class: 'axis-label', x: PLOT.left - 4, y: y(tick) + 3, 'text-anchor': 'end' }, tick),
    );
  }
  for (const ms of [fromMs, (fromMs + toMs) / 2, toMs]) {
    const hourMs = Math.round(ms / HOUR_MS) * HOUR_MS;
    svg.append(s('text', { class: 'axis-label', x: Math.min(PLOT.right - 14, Math.max(PLOT.left + 14, x(hourMs - HOUR_MS / 2))), y: HEIGHT - 3, 'text-anchor': 'middle' }, formatHour(hourMs)));
  }
  for (const line of series) {
    // A missing hour is a gap in the line, not a slope across it.
    /** @type {string[]} */
    let run = [];
    let previous = Number.NEGATIVE_INFINITY;
    const flush = () => {
      if (run.length > 1) svg.append(s('polyline', { class: `line ${line.className}`, points: run.join(' ') }));
      run = [];
    };
    for (const p of line.points) {
      if (p.hourMs - previous > HOUR_MS) flush();
      run.push(`${x(p.hourMs).toFixed(1)},${y(p.value).toFixed(1)}`);
      previous = p.hourMs;
      svg.append(s('circle', { class: `point ${line.className}`, cx: x(p.hourMs).toFixed(1), cy: y(p.value).toFixed(1), r: 2.5 }));
    }
    flush();
  }
  const latest = series.map((line) => line.points.at(-1)?.value).filter((v) => v !== undefined);
  figure.append(svg, h('p', { class: 'vital-latest' }, t('vitals.latest', { value: `${latest.map((v) => Math.round(v)).join('/')} ${unit}`.trim() })));
  return figure;
}

/**
 * The four charts for a bracelet's last day.
 * @param {string} deviceId
 * @returns {Promise<HTMLElement>}
 */
export async function vitalsCharts(deviceId) {
  const toMs = gatewayNow();
  const fromMs = toMs - 24 * HOUR_MS;
  /** @type {DeviceReadings} */
  const body = await api(`/api/devices/${encodeURIComponent(deviceId)}/readings?from=${Math.floor(fromMs)}&to=${Math.ceil(toMs)}&limit=10000`);
  const r = body.readings;
  return h(
    'div',
    { class: 'vitals', 'data-readings': r.length },
    chart(t('vitals.hr'), [{ points: hourly(r, 'hr', 'mean'), className: 'hr' }], fromMs, toMs, ''),
    chart(t('vitals.spo2'), [{ points: hourly(r, 'spo2', 'mean'), className: 'spo2' }], fromMs, toMs, '%'),
    chart(
      t('vitals.bp'),
      [
        { points: hourly(r, 'sbp', 'mean'), className: 'sbp' },
        { points: hourly(r, 'dbp', 'mean'), className: 'dbp' },
      ],
      fromMs,
      toMs,
      '',
    ),
    chart(t('vitals.steps'), [{ points: hourly(r, 'steps', 'steps'), className: 'steps' }], fromMs, toMs, ''),
  );
}
