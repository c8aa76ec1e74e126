// @ts-check
import { s } from './dom.js';
import { formatDay, formatHour, formatTime } from './format.js';
import { localized, t } from './i18n.js';

/** @typedef {import('./types.js').AqhiHistory} AqhiHistory */

/*
 * A station's index over the last 24 hours (or 7 or 30 days) as an SVG line chart: one dot per stored hourly value,
 * coloured by its band, joined where hours follow each other (a gap in the data is a gap in the line).
 */

const WIDTH = 320;
const HEIGHT = 150;
const PLOT = { left: 30, right: 312, top: 10, bottom: 124 };
const HOUR_MS = 3_600_000;

/**
 * The top of the value axis: the AQHI's 10 when it fits, else a round number above the highest value
 * (profiles like the US AQI run to 500).
 * @param {number} highest
 */
function axisTop(highest) {
  for (const top of [10, 20, 50, 100, 150, 200, 300, 500]) if (highest <= top) return top;
  return Math.ceil(highest / 100) * 100;
}

/**
 * @param {AqhiHistory} history
 * @param {string} stationName
 * @returns {SVGSVGElement}
 */
export function trendChart(history, stationName) {
  const fromMs = Date.parse(history.from);
  const toMs = Date.parse(history.to);
  const points = history.points.filter((p) => p.value !== null);
  const values = points.map((p) => /** @type {number} */ (p.value));
  const top = axisTop(Math.max(0, ...values));
  const x = (/** @type {number} */ ms) => PLOT.left + ((ms - fromMs) / (toMs - fromMs)) * (PLOT.right - PLOT.left);
  const y = (/** @type {number} */ value) => PLOT.bottom - (Math.min(value, top) / top) * (PLOT.bottom - PLOT.top);

  const spanHours = Math.round((toMs - fromMs) / HOUR_MS);
  const long = spanHours > 48;
  const span = long ? t('board.span.days', { n: Math.round(spanHours / 24) }) : t('board.span.hours', { n: spanHours });
  const summary =
    points.length === 0
      ? t('board.trendEmpty')
      : t('board.trendLabel', { name: stationName, span, days: span, n: points.length, min: Math.min(...values), max: Math.max(...values) });
  const svg = s('svg', { class: 'trend', viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': summary, 'data-points': points.length }, s('title', {}, summary));

  const ticks = top === 10 ? [0, 2, 4, 6, 8, 10] : [0, top / 4, top / 2, (3 * top) / 4, top];
  for (const tick of ticks) {
    svg.append(
      s('line', { class: 'axis', x1: PLOT.left, x2: PLOT.right, y1: y(tick), y2: y(tick) }),
      s('text', { class: 'axis-label', x: PLOT.left - 5, y: y(tick) + 3, 'text-anchor': 'end' }, tick),
    );
  }
  // Every sixth hour of the deployment's clock (00:00, 06:00, ...); over days, local midnights
  // (every day for a week, every fifth for a month) labelled with the date.
  const dayStep = spanHours > 24 * 10 ? 5 : 1;
  let midnights = 0;
  for (let ms = Math.ceil(fromMs / HOUR_MS) * HOUR_MS; ms <= toMs; ms += HOUR_MS) {
    const hour = formatHour(ms);
    if (!hour.endsWith(':00') || Number.parseInt(hour, 10) % (long ? 24 : 6) !== 0) continue;
    if (long && midnights++ % dayStep !== 0) continue;
    svg.append(
      s('line', { class: 'axis', x1: x(ms), x2: x(ms), y1: PLOT.bottom, y2: PLOT.bottom + 4 }),
      s('text', { class: 'axis-label', x: x(ms), y: PLOT.bottom + 16, 'text-anchor': 'middle' }, long ? formatDay(ms) : hour),
    );
  }

  /** @type {string[]} */
  let run = [];
  const flush = () => {
    if (run.length > 1) svg.append(s('polyline', { class: 'line', points: run.join(' ') }));
    run = [];
  };
  let previousEndMs = Number.NEGATIVE_INFINITY;
  for (const point of points) {
    if (point.hourEndMs - previousEndMs > HOUR_MS) flush();
    run.push(`${x(point.hourEndMs).toFixed(1)},${y(/** @type {number} */ (point.value)).toFixed(1)}`);
    previousEndMs = point.hourEndMs;
  }
  flush();

  for (const point of points) {
    const value = /** @type {number} */ (point.value);
    const category = point.category === null ? '' : ` ${localized(point.category.name)}`;
    svg.append(
      s(
        'circle',
        { class: 'point', cx: x(point.hourEndMs).toFixed(1), cy: y(value).toFixed(1), r: long ? 1.6 : 3.5, fill: point.category?.color ?? '#9aa5b1', 'data-value': value },
        s('title', {}, `${formatTime(point.hourEndMs)} · ${point.display ?? value}${category}`),
      ),
    );
  }
  return svg;
}
