// @ts-check
import { h, s } from './dom.js';
import { formatTime } from './format.js';
import { label, localized, t } from './i18n.js';
import { labelRank } from './map-labels.js';

/** @typedef {import('./types.js').MapBody} MapBody */
/** @typedef {import('./types.js').MapEmergency} MapEmergency */
/** @typedef {import('./types.js').MapRescuer} MapRescuer */
/** @typedef {import('./map-panel.js').Selection} Selection */
/** @typedef {import('./map-labels.js').LabelKind} LabelKind */
/** @typedef {(lat: number, lon: number) => { x: number, y: number }} ToScreen */

/*
 * The rescue layer of both maps: each active emergency (the patient), the responders running to
 * it where they last reported, and the AED each one is fetching, joined by their way there in
 * straight lines. Drawn from GET /api/map's `emergencies`; redrawn on every live update.
 */

const EMPTY = /** @type {MapEmergency[]} */ ([]);

/** @param {MapBody} body */
function emergenciesOf(body) {
  return body.emergencies ?? EMPTY;
}

/** Still on the way to their AED: the cabinet is drawn as their target. @param {MapRescuer} r */
function fetchingAed(r) {
  return r.aed !== null && (r.state === 'asked' || r.state === 'accepted') ? r.aed : null;
}

/** @param {MapEmergency} e */
function patientLabel(e) {
  return e.address === null ? localized(e.label) : `${localized(e.label)} · ${e.address}`;
}

/** @param {MapEmergency} e */
function patientName(e) {
  return `${t('rescue.patient')}: ${patientLabel(e)}`;
}

/** @param {MapRescuer} r */
function runnerLabel(r) {
  return t('rescue.runnerLabel', { name: r.name, state: label('rescueState', r.state) });
}

/**
 * The way still ahead of a responder: to their AED, then to the patient (none once on scene).
 * @param {MapEmergency} e
 * @param {MapRescuer} r
 * @returns {[number, number][]}
 */
function wayAhead(e, r) {
  if (r.position === null || r.state === 'on_scene') return [];
  const aed = fetchingAed(r);
  return [[r.position.lat, r.position.lon], ...(aed === null ? [] : [/** @type {[number, number]} */ ([aed.lat, aed.lon])]), [e.lat, e.lon]];
}

/**
 * Responders drawn by this layer: the plain responder layer leaves them out.
 * @param {MapBody} body
 */
export function respondersOnRescue(body) {
  const ids = new Set();
  for (const e of emergenciesOf(body)) for (const r of e.responders) if (r.position !== null) ids.add(r.id);
  return ids;
}

/**
 * Every place the layer draws, for fitting the view.
 * @param {MapBody} body
 * @returns {[number, number][]}
 */
export function rescuePoints(body) {
  return emergenciesOf(body).flatMap((e) => [/** @type {[number, number]} */ ([e.lat, e.lon]), ...e.responders.flatMap((r) => wayAhead(e, r))]);
}

/**
 * The offline drawing's rescue layer: ways first, then the AEDs fetched, the responders, the patients.
 * @param {MapBody} body
 * @param {ToScreen} toScreen
 * @param {(target: Selection, className: string, name: string, ...parts: SVGElement[]) => SVGElement} feature
 * @returns {SVGElement[]}
 */
export function rescueSvgLayer(body, toScreen, feature) {
  /** @type {SVGElement[]} */
  const ways = [];
  /** @type {SVGElement[]} */
  const targets = [];
  /** @type {SVGElement[]} */
  const runners = [];
  /** @type {SVGElement[]} */
  const patients = [];
  for (const e of emergenciesOf(body)) {
    for (const r of e.responders) {
      if (r.position === null) continue;
      const way = wayAhead(e, r).map(([lat, lon]) => toScreen(lat, lon));
      if (way.length > 0) ways.push(s('polyline', { class: `rescue-route state-${r.state}`, points: way.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' '), 'data-responder': r.id }));
      const aed = fetchingAed(r);
      if (aed !== null) {
        const a = toScreen(aed.lat, aed.lon);
        targets.push(
          s(
            'g',
            { class: 'rescue-aed', 'data-aed': aed.id, 'data-responder': r.id },
            s('title', {}, `${aed.name}: ${t('rescue.aedFor', { name: r.name })}`),
            s('circle', { class: 'rescue-ring', cx: a.x, cy: a.y, r: 18 }),
            s('text', { class: 'label rescue-label', x: a.x, y: a.y + 32, 'text-anchor': 'middle', 'font-size': 12, ...labelRank('aed') }, t('rescue.aedFor', { name: r.name })),
          ),
        );
      }
      const p = toScreen(r.position.lat, r.position.lon);
      runners.push(
        feature(
          { type: 'rescuer', id: r.id },
          `rescuer state-${r.state}`,
          `${t('rescue.runner')}: ${runnerLabel(r)}`,
          s('circle', { class: 'marker', cx: p.x, cy: p.y, r: 11 }),
          s('text', { class: 'rescue-glyph', x: p.x, y: p.y + 5, 'text-anchor': 'middle', 'font-size': 13 }, '➜'),
          // One who has not answered yet gives way to those running.
          s('text', { class: 'label', x: p.x + 15, y: p.y + 17, 'font-size': 13, 'data-priority': labelRank('rescuer')['data-priority'] + (r.state === 'asked' ? 0.5 : 0) }, runnerLabel(r)),
        ),
      );
    }
    const at = toScreen(e.lat, e.lon);
    patients.push(
      feature(
        { type: 'emergency', id: e.id },
        'emergency',
        patientName(e),
        s('circle', { class: 'halo', cx: at.x, cy: at.y, r: 24 }),
        s('circle', { class: 'marker', cx: at.x, cy: at.y, r: 14 }),
        s('text', { class: 'rescue-glyph', x: at.x, y: at.y + 6, 'text-anchor': 'middle', 'font-size': 17 }, '✚'),
        s('text', { class: 'label emergency-label', x: at.x + 20, y: at.y - 16, 'font-size': 14, ...labelRank('emergency') }, patientLabel(e)),
      ),
    );
  }
  return [...ways, ...targets, ...runners, ...patients];
}

/**
 * The map over tiles' rescue layer, with the tiled map's own marker helpers.
 * @param {any} L Leaflet
 * @param {any} layer the layer group redrawn on each update
 * @param {MapBody} body
 * @param {{ add: (marker: any, target: Selection, name: string, text: string | null, kind: LabelKind) => void, icon: (className: string, glyph: string) => any }} tools
 */
export function drawRescueTiled(L, layer, body, tools) {
  for (const e of emergenciesOf(body)) {
    for (const r of e.responders) {
      if (r.position === null) continue;
      const way = wayAhead(e, r);
      if (way.length > 0) L.polyline(way, { className: `rescue-route state-${r.state}`, interactive: false }).addTo(layer);
      const aed = fetchingAed(r);
      if (aed !== null) {
        const ring = L.circleMarker([aed.lat, aed.lon], { radius: 19, className: 'rescue-ring', interactive: false });
        ring.bindTooltip(t('rescue.aedFor', { name: r.name }), { permanent: true, direction: 'bottom', offset: [0, 16], className: 'map-label rescue-label' });
        ring.addTo(layer);
        const tip = ring.getTooltip()?.getElement();
        tip?.setAttribute('data-priority', String(labelRank('aed')['data-priority']));
        tip?.setAttribute('data-aed', aed.id);
      }
      const marker = L.marker([r.position.lat, r.position.lon], { icon: tools.icon(`rescuer state-${r.state}`, '➜'), keyboard: true, zIndexOffset: 900 });
      tools.add(marker, { type: 'rescuer', id: r.id }, `${t('rescue.runner')}: ${runnerLabel(r)}`, runnerLabel(r), 'rescuer');
    }
    const marker = L.marker([e.lat, e.lon], { icon: tools.icon('emergency', '✚'), keyboard: true, zIndexOffset: 1100 });
    tools.add(marker, { type: 'emergency', id: e.id }, patientName(e), patientLabel(e), 'emergency');
  }
}

/**
 * One responder's line in the panel: their state, and their way (via which AED, or straight).
 * @param {MapRescuer} r
 */
function runnerLine(r) {
  const way = r.aed === null ? t('rescue.straight') : t('rescue.viaAed', { aed: r.aed.name, state: label('aedState', r.aed.state) });
  return `${runnerLabel(r)} · ${way}`;
}

/**
 * The panel for a picked patient or responder on the way; null when the pick is not this layer's.
 * @param {MapBody} body
 * @param {Selection} selected
 */
export function rescueInfo(body, selected) {
  if (selected.type === 'emergency') {
    const e = emergenciesOf(body).find((x) => x.id === selected.id);
    if (e === undefined) return null;
    return [
      h('h2', {}, localized(e.label)),
      e.address === null ? null : h('p', {}, e.address),
      h('p', { class: 'muted' }, t('rescue.reported', { time: formatTime(e.createdAt) })),
      e.responders.length === 0 ? h('p', {}, t('rescue.nobodyYet')) : h('ul', { class: 'rescue-runners' }, ...e.responders.map((r) => h('li', {}, runnerLine(r)))),
    ];
  }
  if (selected.type === 'rescuer') {
    for (const e of emergenciesOf(body)) {
      const r = e.responders.find((x) => x.id === selected.id);
      if (r !== undefined) return [h('h2', {}, r.name), h('p', {}, runnerLine(r)), h('p', { class: 'muted' }, patientName(e))];
    }
  }
  return null;
}

/**
 * The layer's legend entries (only when an emergency is on the map).
 * @param {MapBody} body
 * @param {(className: string, shape: SVGElement, text: string) => HTMLElement} legendItem
 */
export function rescueLegend(body, legendItem) {
  if (emergenciesOf(body).length === 0) return [];
  return [
    legendItem('emergency', s('circle', { class: 'marker', cx: 12, cy: 12, r: 9 }), t('rescue.patient')),
    legendItem('rescuer', s('circle', { class: 'marker', cx: 12, cy: 12, r: 8 }), t('rescue.runner')),
    legendItem('', s('circle', { class: 'rescue-ring', cx: 12, cy: 12, r: 9 }), t('rescue.aedTarget')),
    legendItem('', s('line', { class: 'rescue-route state-accepted', x1: 2, y1: 12, x2: 22, y2: 12 }), t('rescue.route')),
  ];
}
