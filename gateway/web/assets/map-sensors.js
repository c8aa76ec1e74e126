// @ts-check
import { h, s } from './dom.js';
import { language, localized } from './i18n.js';
import { labelRank } from './map-labels.js';

/** @typedef {import('./types.js').MapBody} MapBody */
/** @typedef {import('./types.js').MapSensor} MapSensor */
/** @typedef {import('./map-panel.js').Selection} Selection */
/** @typedef {import('./map-labels.js').LabelKind} LabelKind */
/** @typedef {(lat: number, lon: number) => { x: number, y: number }} ToScreen */

/*
 * The neighbourhood sensors' layer of both maps: each smart bin's air monitor where it stands,
 * marked by whether its readings can be trusted (calibrated, calibrating, drifting, stuck).
 * Drawn from GET /api/map's `sensors`; its words are its own, in zh and en.
 */

const WORDS = /** @type {const} */ ({
  sensor: { zh: '社区传感器（垃圾桶）', en: 'Neighbourhood sensor (bin)' },
  unnamed: { zh: '{grid}的垃圾桶', en: 'A bin in {grid}' },
  notOfficial: { zh: '社区读数，不计入官方指数', en: 'Neighbourhood reading, not part of the official index' },
  fill: { zh: '满溢程度 {n}%', en: '{n} % full' },
  pm25: { zh: 'PM2.5 原始 {raw}，校正后 {corrected} µg/m³', en: 'PM2.5 {raw} as read, {corrected} µg/m³ corrected' },
  silent: { zh: '超过 2 小时没有数据', en: 'Silent for over 2 hours' },
  more: { zh: '校准详情', en: 'Calibration details' },
  ok: { zh: '已校准', en: 'calibrated' },
  calibrating: { zh: '校准中', en: 'calibrating' },
  drifting: { zh: '漂移', en: 'drifting' },
  stuck: { zh: '卡滞', en: 'stuck' },
  no_station: { zh: '无对照站', en: 'no station' },
  none: { zh: '无空气读数', en: 'no air readings' },
});

/** @param {keyof typeof WORDS} key @param {Record<string, string | number>} [vars] */
function word(key, vars = {}) {
  return WORDS[key][language()].replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? '—'));
}

const EMPTY = /** @type {MapSensor[]} */ ([]);
/** @param {MapBody} body */
const sensorsOf = (body) => body.sensors ?? EMPTY;

/** @param {MapSensor} sensor */
function sensorName(sensor) {
  return sensor.name ?? word('unnamed', { grid: sensor.grid ?? '' });
}

/** @param {MapSensor} sensor */
function statusWord(sensor) {
  const status = /** @type {keyof typeof WORDS} */ (sensor.status ?? 'none');
  return word(status in WORDS ? status : 'none');
}

/** @param {MapSensor} sensor */
const sensorLabel = (sensor) => `${sensorName(sensor)} · ${statusWord(sensor)}`;
/** @param {MapSensor} sensor */
const statusClass = (sensor) => `sensor status-${sensor.status ?? 'none'}${sensor.stale ? ' stale' : ''}`;

/** Every place the layer draws, for fitting the view. @param {MapBody} body @returns {[number, number][]} */
export function sensorPoints(body) {
  return sensorsOf(body).map((x) => /** @type {[number, number]} */ ([x.lat, x.lon]));
}

/**
 * The offline drawing's sensor layer.
 * @param {MapBody} body
 * @param {ToScreen} toScreen
 * @param {(target: Selection, className: string, name: string, ...parts: SVGElement[]) => SVGElement} feature
 * @returns {SVGElement[]}
 */
export function sensorsSvgLayer(body, toScreen, feature) {
  return sensorsOf(body).map((sensor) => {
    const p = toScreen(sensor.lat, sensor.lon);
    return feature(
      { type: 'sensor', id: sensor.id },
      statusClass(sensor),
      `${word('sensor')}: ${sensorLabel(sensor)}`,
      s('rect', { class: 'marker', x: p.x - 7, y: p.y - 7, width: 14, height: 14, rx: 2, transform: `rotate(45 ${p.x} ${p.y})` }),
      s('text', { class: 'label', x: p.x + 12, y: p.y + 16, 'font-size': 12, ...labelRank('station') }, sensorLabel(sensor)),
    );
  });
}

/**
 * The map over tiles' sensor layer, with the tiled map's own marker helpers.
 * @param {any} L Leaflet
 * @param {MapBody} body
 * @param {{ add: (marker: any, target: Selection, name: string, text: string | null, kind: LabelKind) => void, icon: (className: string, glyph: string) => any }} tools
 */
export function drawSensorsTiled(L, body, tools) {
  for (const sensor of sensorsOf(body)) {
    const marker = L.marker([sensor.lat, sensor.lon], { icon: tools.icon(statusClass(sensor), '◆'), keyboard: true });
    tools.add(marker, { type: 'sensor', id: sensor.id }, `${word('sensor')}: ${sensorLabel(sensor)}`, sensorLabel(sensor), 'station');
  }
}

/**
 * The panel for a picked sensor; null when the pick is not this layer's.
 * @param {MapBody} body
 * @param {Selection} selected
 */
export function sensorInfo(body, selected) {
  if (selected.type !== 'sensor') return null;
  const sensor = sensorsOf(body).find((x) => x.id === selected.id);
  if (sensor === undefined) return null;
  return [
    h('h2', {}, sensorName(sensor)),
    h('p', {}, h('strong', { class: `sensor sensor-status status-${sensor.status ?? 'none'}` }, statusWord(sensor)), sensor.reason === null ? '' : ` · ${localized(sensor.reason)}`),
    sensor.pm25 === null ? null : h('p', {}, word('pm25', { raw: sensor.pm25.raw ?? '—', corrected: sensor.pm25.corrected ?? '—' })),
    sensor.fill === null ? null : h('p', {}, word('fill', { n: Math.round(sensor.fill) })),
    sensor.stale ? h('p', { class: 'muted' }, word('silent')) : null,
    h('p', { class: 'muted' }, word('notOfficial')),
    h('p', {}, h('a', { href: `/api/neighbourhood/${encodeURIComponent(sensor.id)}` }, word('more'))),
  ];
}

/**
 * The layer's legend entries (only when the map has sensors).
 * @param {MapBody} body
 * @param {(className: string, shape: SVGElement, text: string) => HTMLElement} legendItem
 */
export function sensorLegend(body, legendItem) {
  if (sensorsOf(body).length === 0) return [];
  const diamond = () => s('rect', { class: 'marker', x: 6, y: 6, width: 12, height: 12, rx: 2, transform: 'rotate(45 12 12)' });
  return /** @type {const} */ (['ok', 'calibrating', 'drifting', 'stuck']).map((status) => legendItem(`sensor status-${status}`, diamond(), `${word('sensor')}: ${word(status)}`));
}
