// @ts-check
import { cabinetName, placesFrom } from './alert-subject.js';
import { kindLabel } from './alert-text.js';
import { h, s } from './dom.js';
import { formatAge, formatDistance, formatTime } from './format.js';
import { label, t } from './i18n.js';
import { rescueInfo, rescueLegend } from './map-rescue.js';
import { sensorInfo, sensorLegend } from './map-sensors.js';

/** @typedef {import('./types.js').MapBody} MapBody */
/** @typedef {import('./types.js').Me} Me */
/** @typedef {{ type: 'resident' | 'aed' | 'responder' | 'station' | 'home' | 'emergency' | 'rescuer' | 'sensor', id: string }} Selection */

/*
 * What both maps (the offline drawing and the tiled one) share: the panel about the marker picked,
 * the legend, and the nearest usable AED to a resident in trouble, in a straight line.
 */

/**
 * Great-circle metres (haversine, mean Earth radius 6,371 km).
 * @param {number} lat1 @param {number} lon1 @param {number} lat2 @param {number} lon2
 */
export function metresBetween(lat1, lon1, lat2, lon2) {
  const rad = Math.PI / 180;
  const a = Math.sin(((lat2 - lat1) * rad) / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(((lon2 - lon1) * rad) / 2) ** 2;
  return 2 * 6_371_000 * Math.asin(Math.min(1, Math.sqrt(a)));
}

/**
 * The nearest cabinet that is ready, and how far in a straight line.
 * @param {MapBody} body
 * @param {{ lat: number, lon: number }} at
 */
export function nearestUsableAed(body, at) {
  /** @type {{ aed: import('./types.js').MapAed, distanceM: number } | null} */
  let best = null;
  for (const aed of body.aeds) {
    if (aed.state !== 'ready') continue;
    const distanceM = metresBetween(at.lat, at.lon, aed.lat, aed.lon);
    if (best === null || distanceM < best.distanceM) best = { aed, distanceM };
  }
  return best;
}

/** @param {number} metres */
export function straightLineText(metres) {
  return t('map.straightLine', { distance: formatDistance(metres) });
}

/**
 * @param {MapBody} body
 * @param {Selection | null} selected
 */
export function infoPanel(body, selected) {
  if (selected === null) return [h('p', { class: 'muted' }, t('map.pick'))];
  const { type, id } = selected;
  const rescue = rescueInfo(body, selected);
  if (rescue !== null) return rescue;
  const sensor = sensorInfo(body, selected);
  if (sensor !== null) return sensor;
  if (type === 'resident') {
    const r = body.residents.find((x) => x.id === id);
    if (r === undefined) return [h('p', { class: 'muted' }, t('map.pick'))];
    return [
      h('h2', {}, r.name),
      r.address === null ? null : h('p', {}, r.address),
      r.location === null ? null : h('p', { class: 'muted' }, label('where', r.location.source)),
      h(
        'ul',
        {},
        ...r.alerts.map((a) =>
          h(
            'li',
            {},
            h('span', { class: `badge sev-${a.severity}` }, label('severity', a.severity)),
            ' ',
            h('a', { href: `/console#alert=${a.id}` }, kindLabel(a.kind)),
            ` · ${label('state', a.state)} · ${t('alert.sinceValue', { time: formatTime(a.createdAt), age: formatAge(a.createdAt) })}`,
          ),
        ),
      ),
    ];
  }
  if (type === 'aed') {
    const a = body.aeds.find((x) => x.id === id);
    if (a === undefined) return [];
    return [
      h('h2', {}, cabinetName(a, placesFrom(body))),
      h('p', {}, h('strong', {}, label('aedState', a.state))),
      a.description === null ? null : h('p', {}, a.description, a.floor === null ? '' : ` · ${t('aed.floor', { floor: a.floor })}`),
    ];
  }
  if (type === 'responder') {
    const r = body.responders.find((x) => x.id === id);
    return r === undefined ? [] : [h('h2', {}, r.name), h('p', {}, t('map.responder'))];
  }
  if (type === 'station') {
    const st = body.stations.find((x) => x.id === id);
    if (st === undefined) return [];
    return [
      h('h2', {}, st.name),
      h('p', {}, `${t('board.title')}: `, h('strong', {}, st.display ?? '—'), st.stale ? ` · ${t('board.stale')}` : ''),
      h('p', {}, h('a', { href: '/board' }, t('nav.board'))),
    ];
  }
  return [];
}

/**
 * A legend entry with a small sample of the marker.
 * @param {string} className
 * @param {SVGElement} shape
 * @param {string} text
 */
function legendItem(className, shape, text) {
  return h('li', {}, s('svg', { width: 24, height: 24, viewBox: '0 0 24 24', 'aria-hidden': 'true', class: className }, shape), text);
}

/**
 * @param {HTMLElement} legend
 * @param {Me} me
 * @param {MapBody} body
 */
export function drawLegend(legend, me, body) {
  const aedStates = ['ready', 'in_use', 'fault', 'maintenance', 'offline'];
  legend.replaceChildren(
    h('h2', {}, t('map.legend')),
    h(
      'ul',
      {},
      legendItem('', s('rect', { class: 'grid-area', x: 2, y: 5, width: 20, height: 14 }), t('map.grid')),
      me.role === 'admin' || me.role === 'worker' ? legendItem('', s('rect', { class: 'home', x: 8, y: 8, width: 8, height: 8 }), t('map.home')) : null,
      me.role === 'admin' || me.role === 'worker' ? legendItem('resident', s('circle', { class: 'marker', cx: 12, cy: 12, r: 8 }), t('map.resident')) : null,
      ...aedStates.map((state) =>
        legendItem(`aed state-${state}`, s('rect', { class: 'marker', x: 3, y: 3, width: 18, height: 18, rx: 4 }), `${t('map.aed')}: ${label('aedState', state)}`),
      ),
      me.role === 'admin' || me.role === 'worker' ? legendItem('responder', s('path', { class: 'marker', d: 'M12 2 L22 20 L2 20 Z' }), t('map.responder')) : null,
      legendItem('station', s('circle', { class: 'marker', cx: 12, cy: 12, r: 9 }), t('map.station')),
      ...sensorLegend(body, legendItem),
      ...rescueLegend(body, legendItem),
    ),
  );
}

