// @ts-check
import { kindLabel } from './alert-text.js';
import { byId, s, textColorOn } from './dom.js';
import { formatDistance, syncClock } from './format.js';
import { cabinetName, placesFrom } from './alert-subject.js';
import { label, onLanguageChange, plural, t } from './i18n.js';
import { openMapStream } from './live.js';
import { labelRank, untangleSvgLabels } from './map-labels.js';
import { drawLegend, infoPanel, nearestUsableAed, straightLineText } from './map-panel.js';
import { respondersOnRescue, rescuePoints, rescueSvgLayer } from './map-rescue.js';
import { sensorPoints, sensorsSvgLayer } from './map-sensors.js';
import { createTiledMap } from './map-tiled.js';
import { loadWalkingRoutes, midpointOf, walkingRouteOf, walkingRouteText } from './map-walking.js';
import { createProjection, scaleBarMetres } from './map-projection.js';
import { errorSentence } from './error-text.js';
import { api, requireSession } from './session.js';
import { mountShell } from './shell.js';

/** @typedef {import('./types.js').MapBody} MapBody */
/** @typedef {import('./types.js').Me} Me */
/** @typedef {import('./map-projection.js').MapPoint} MapPoint */
/** @typedef {import('./map-panel.js').Selection} Selection */

/*
 * The emergency map, drawn offline from the community's own records (GET /api/map): grid
 * outlines, homes as buildings, residents with open alerts, AED cabinets by state, available
 * responders, air stations by index, and each emergency with the responders running to it (the
 * rescue layer). No tiles: nothing leaves the gateway. Each layer is drawn by its own function.
 */

const svg = /** @type {SVGSVGElement} */ (/** @type {unknown} */ (document.getElementById('map')));
const info = byId('map-info', HTMLElement);
const legend = byId('legend', HTMLElement);
const counts = byId('map-counts', HTMLParagraphElement);
const errorLine = byId('map-error', HTMLParagraphElement);
const tiledContainer = byId('tiled-map', HTMLDivElement);
const offlineNote = byId('map-offline-note', HTMLParagraphElement);
const tools = byId('map-tools', HTMLDivElement);

/** The map over tiles, when the gateway has a tile source. @type {Awaited<ReturnType<typeof createTiledMap>> | undefined} */
let tiled;
/** @type {ReturnType<typeof createTiledMap> | undefined} */
let tiledPending;

/** @type {MapBody | undefined} */
let data;
/** @type {Me} */
let me;
/** @type {Selection | null} */
let selected = null;
/** What is on screen: the centre in projected metres and the zoom. */
const view = { centreX: 0, centreY: 0, metresPerPixel: 1, fitted: false };
/** @type {ReturnType<typeof createProjection>} */
let projection = createProjection([]);

/** @param {MapBody} body */
function allLatLons(body) {
  /** @type {[number, number][]} */
  const points = [];
  for (const g of body.grids) for (const corner of g.boundary ?? []) points.push(corner);
  for (const home of body.homes) points.push([home.lat, home.lon]);
  for (const r of body.residents) if (r.location !== null) points.push([r.location.lat, r.location.lon]);
  for (const a of body.aeds) points.push([a.lat, a.lon]);
  for (const r of body.responders) points.push([r.lat, r.lon]);
  for (const st of body.stations) points.push([st.lat, st.lon]);
  points.push(...rescuePoints(body), ...sensorPoints(body));
  return points;
}

function size() {
  const box = svg.getBoundingClientRect();
  return { width: Math.max(1, box.width), height: Math.max(1, box.height) };
}

/**
 * Shows these points with a margin; the whole area when there are none.
 * @param {readonly (readonly [number, number])[]} latLons
 */
function fit(latLons) {
  const { width, height } = size();
  const projected = latLons.map(([lat, lon]) => projection.project(lat, lon));
  const b =
    projected.length === 0
      ? projection.bounds
      : {
          minX: Math.min(...projected.map((p) => p.x)),
          maxX: Math.max(...projected.map((p) => p.x)),
          minY: Math.min(...projected.map((p) => p.y)),
          maxY: Math.max(...projected.map((p) => p.y)),
        };
  const margin = 48;
  view.centreX = (b.minX + b.maxX) / 2;
  view.centreY = (b.minY + b.maxY) / 2;
  view.metresPerPixel = Math.max((b.maxX - b.minX + 60) / Math.max(1, width - 2 * margin), (b.maxY - b.minY + 60) / Math.max(1, height - 2 * margin), 0.2);
  view.fitted = true;
}

/**
 * Where the map opens: on the resident a link names; on an emergency under way; for a worker,
 * on their grids and the residents in trouble (the whole area is one button away); for everyone else, the whole area.
 * @param {MapBody} body
 */
function openingView(body) {
  const focus = selected?.type === 'resident' ? body.residents.find((r) => r.id === selected?.id)?.location : undefined;
  if (focus !== undefined && focus !== null) {
    fit([[focus.lat, focus.lon]]);
    // About 400 m across a phone: the street, the nearest AEDs and responders.
    view.metresPerPixel = 1.2;
    return;
  }
  // An emergency under way comes first: the patient and everyone running to them.
  /** @type {[number, number][]} */
  const points = rescuePoints(body);
  if (points.length === 0 && me.role === 'worker') {
    for (const grid of body.grids) if (grid.yours) points.push(...(grid.boundary ?? []));
    for (const r of body.residents) if (r.location !== null) points.push([r.location.lat, r.location.lon]);
  }
  fit(points);
}

/**
 * Projected metres to screen pixels.
 * @param {number} lat
 * @param {number} lon
 */
function toScreen(lat, lon) {
  const { width, height } = size();
  const p = projection.project(lat, lon);
  return { x: width / 2 + (p.x - view.centreX) / view.metresPerPixel, y: height / 2 + (p.y - view.centreY) / view.metresPerPixel };
}

/**
 * A marker people can tap or reach by keyboard.
 * @param {Selection} target
 * @param {string} className
 * @param {string} name
 * @param {...SVGElement} parts
 */
function feature(target, className, name, ...parts) {
  const isSelected = selected !== null && selected.type === target.type && selected.id === target.id;
  const group = s(
    'g',
    {
      class: `feature ${className}${isSelected ? ' selected' : ''}`,
      tabindex: 0,
      role: 'button',
      'aria-label': name,
      'data-type': target.type,
      'data-id': target.id,
    },
    s('title', {}, name),
    ...parts,
  );
  const choose = () => {
    if (dragged) return;
    selected = target;
    draw();
  };
  group.addEventListener('click', choose);
  group.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      choose();
    }
  });
  return group;
}

/** @param {MapBody} body */
function drawLayers(body) {
  const { width, height } = size();
  const layers = [];

  for (const grid of body.grids) {
    if (grid.boundary === null) continue;
    const corners = grid.boundary.map(([lat, lon]) => toScreen(lat, lon));
    const points = corners.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
    const cx = corners.reduce((sum, p) => sum + p.x, 0) / corners.length;
    const top = Math.min(...corners.map((p) => p.y));
    layers.push(
      s('polygon', { class: `grid-area${grid.yours ? ' yours' : ''}`, points, 'data-grid': grid.id }),
      s('text', { class: 'grid-label', x: cx, y: top + 18, 'text-anchor': 'middle', 'font-size': 14, ...labelRank('grid') }, grid.name),
    );
  }

  for (const home of body.homes) {
    const p = toScreen(home.lat, home.lon);
    layers.push(s('rect', { class: 'home', x: p.x - 4, y: p.y - 4, width: 8, height: 8, rx: 1.5 }, s('title', {}, plural('map.homes', home.residents))));
  }

  for (const station of body.stations) {
    const p = toScreen(station.lat, station.lon);
    const fill = station.color ?? '#9aa5b1';
    layers.push(
      feature(
        { type: 'station', id: station.id },
        `station${station.stale ? ' stale' : ''}`,
        `${t('map.station')}: ${station.name} ${station.display ?? '—'}`,
        s('circle', { class: 'marker', cx: p.x, cy: p.y, r: 15, fill }),
        s('text', { class: 'station-value', x: p.x, y: p.y + 5, 'text-anchor': 'middle', 'font-size': 14, fill: textColorOn(fill) }, station.display ?? '—'),
        s('text', { class: 'label', x: p.x, y: p.y + 31, 'text-anchor': 'middle', 'font-size': 12, ...labelRank('station') }, station.name),
      ),
    );
  }

  for (const aed of body.aeds) {
    const p = toScreen(aed.lat, aed.lon);
    layers.push(
      feature(
        { type: 'aed', id: aed.id },
        `aed state-${aed.state}`,
        `${t('map.aed')}: ${cabinetName(aed, placesFrom(body))}, ${label('aedState', aed.state)}`,
        s('rect', { class: 'marker', x: p.x - 11, y: p.y - 11, width: 22, height: 22, rx: 5 }),
        s('text', { class: 'aed-glyph', x: p.x, y: p.y + 5, 'text-anchor': 'middle', 'font-size': 14 }, '♥'),
      ),
    );
  }

  const onRescue = respondersOnRescue(body);
  for (const responder of body.responders) {
    if (onRescue.has(responder.id)) continue;
    const p = toScreen(responder.lat, responder.lon);
    layers.push(
      feature(
        { type: 'responder', id: responder.id },
        'responder',
        `${t('map.responder')}: ${responder.name}`,
        s('path', { class: 'marker', d: `M${p.x} ${p.y - 11} L${p.x + 10} ${p.y + 8} L${p.x - 10} ${p.y + 8} Z` }),
      ),
    );
  }

  // From each resident in trouble to the nearest usable cabinet: the walking route where the
  // gateway has one, else a straight line, and it says so.
  for (const resident of body.residents) {
    const route = walkingRouteOf(resident);
    if (route !== null) {
      const points = route.path.map(([lat, lon]) => toScreen(lat, lon));
      const mid = toScreen(...midpointOf(route.path));
      layers.push(
        s('polyline', { class: 'aed-line walking-route', points: points.map((p) => `${p.x},${p.y}`).join(' ') }),
        s('text', { class: 'line-label walking-label', x: mid.x, y: mid.y - 6, 'text-anchor': 'middle', 'font-size': 12, ...labelRank('line') }, walkingRouteText(route)),
      );
      continue;
    }
    const nearest = resident.location === null ? null : nearestUsableAed(body, resident.location);
    if (resident.location === null || nearest === null) continue;
    const from = toScreen(resident.location.lat, resident.location.lon);
    const to = toScreen(nearest.aed.lat, nearest.aed.lon);
    layers.push(
      s('line', { class: 'aed-line', x1: from.x, y1: from.y, x2: to.x, y2: to.y }),
      s('text', { class: 'line-label', x: (from.x + to.x) / 2, y: (from.y + to.y) / 2 - 6, 'text-anchor': 'middle', 'font-size': 12, ...labelRank('line') }, straightLineText(nearest.distanceM)),
    );
  }

  for (const resident of body.residents) {
    if (resident.location === null) continue;
    const p = toScreen(resident.location.lat, resident.location.lon);
    const top = resident.alerts[0];
    layers.push(
      feature(
        { type: 'resident', id: resident.id },
        `resident state-${top?.state ?? 'open'}`,
        `${t('map.resident')}: ${resident.name}, ${top === undefined ? '' : kindLabel(top.kind)}`,
        s('circle', { class: 'halo', cx: p.x, cy: p.y, r: 19 }),
        s('circle', { class: 'marker', cx: p.x, cy: p.y, r: 11 }),
        s('text', { class: 'label', x: p.x + 16, y: p.y - 12, 'font-size': 14, ...labelRank('resident') }, resident.name),
      ),
    );
  }

  layers.push(...sensorsSvgLayer(body, toScreen, feature), ...rescueSvgLayer(body, toScreen, feature));

  // Scale bar and north, in screen space.
  const barMetres = scaleBarMetres(view.metresPerPixel * Math.min(160, width / 3));
  const barPixels = barMetres / view.metresPerPixel;
  const y = height - 18;
  layers.push(
    s('line', { class: 'scale-bar', x1: 14, x2: 14 + barPixels, y1: y, y2: y }),
    s('line', { class: 'scale-bar', x1: 14, x2: 14, y1: y - 5, y2: y + 1 }),
    s('line', { class: 'scale-bar', x1: 14 + barPixels, x2: 14 + barPixels, y1: y - 5, y2: y + 1 }),
    s('text', { class: 'scale-text', x: 14 + barPixels / 2, y: y - 7, 'text-anchor': 'middle', 'font-size': 12 }, formatDistance(barMetres)),
    s('text', { class: 'north', x: 20, y: 26, 'text-anchor': 'middle', 'font-size': 14 }, '▲'),
    s('text', { class: 'north', x: 20, y: 42, 'text-anchor': 'middle', 'font-size': 12 }, 'N'),
  );
  return layers;
}

function draw() {
  if (data === undefined) return;
  if (tiled !== undefined) {
    tiled.draw(data, me, selected);
  } else {
    if (!view.fitted) openingView(data);
    svg.replaceChildren(...drawLayers(data));
    // Labels keep clear of the zoom buttons, the scale and every marker (a label under a marker is unreadable).
    untangleSvgLabels(svg, [tools, ...svg.querySelectorAll('.scale-text, .north, .feature .marker')]);
  }
  info.replaceChildren(...infoPanel(data, selected).filter((node) => node !== null));
  counts.textContent = [
    plural('map.countResidents', data.residents.length),
    plural('map.countAeds', data.aeds.length),
    plural('map.countResponders', data.responders.length),
    plural('map.countStations', data.stations.length),
    ...(data.emergencies.length === 0 ? [] : [plural('rescue.count', data.emergencies.length)]),
  ].join(' · ');
  drawLegend(legend, me, data);
}

async function load() {
  try {
    /** @type {MapBody} */
    const body = await api('/api/map');
    syncClock(body.generatedAt);
    const first = data === undefined;
    data = body;
    projection = createProjection(allLatLons(body));
    if (body.tiles !== null && tiled === undefined) {
      // Two loads in flight (the first read and the stream's hello) build one map, not two.
      tiledPending ??= createTiledMap(tiledContainer, body.tiles, (target) => {
        selected = target;
        draw();
      });
      tiledContainer.hidden = false;
      tiled = await tiledPending;
      svg.style.display = 'none';
      tools.style.display = 'none';
      offlineNote.textContent = t('map.tiled', { attribution: body.tiles.attribution });
    }
    if (first) {
      const focus = /^#resident=([A-Za-z0-9_-]{1,64})$/.exec(location.hash)?.[1];
      if (focus !== undefined) selected = { type: 'resident', id: focus };
    }
    errorLine.hidden = true;
    draw();
    // Walking routes may take the routing service's time: drawn when they come.
    void loadWalkingRoutes(body).then(() => {
      if (data === body) draw();
    });
  } catch (err) {
    errorLine.textContent = t('error.load', { message: await errorSentence(err) });
    errorLine.hidden = false;
  }
}


/** @param {number} factor */
function zoom(factor) {
  view.metresPerPixel = Math.min(200, Math.max(0.05, view.metresPerPixel * factor));
  draw();
}

// Dragging pans; a press that barely moves is a tap on a marker.
let dragged = false;
/** @type {{ x: number, y: number, centreX: number, centreY: number } | null} */
let dragStart = null;
svg.addEventListener('pointerdown', (event) => {
  dragStart = { x: event.clientX, y: event.clientY, centreX: view.centreX, centreY: view.centreY };
  dragged = false;
});
svg.addEventListener('pointermove', (event) => {
  if (dragStart === null) return;
  const dx = event.clientX - dragStart.x;
  const dy = event.clientY - dragStart.y;
  if (!dragged && Math.hypot(dx, dy) < 6) return;
  if (!dragged) svg.setPointerCapture(event.pointerId);
  dragged = true;
  view.centreX = dragStart.centreX - dx * view.metresPerPixel;
  view.centreY = dragStart.centreY - dy * view.metresPerPixel;
  draw();
});
const endDrag = () => {
  dragStart = null;
  // The click that ends a drag comes after pointerup; let it pass first.
  setTimeout(() => {
    dragged = false;
  }, 0);
};
svg.addEventListener('pointerup', endDrag);
svg.addEventListener('pointercancel', endDrag);
svg.addEventListener(
  'wheel',
  (event) => {
    event.preventDefault();
    zoom(event.deltaY > 0 ? 1.25 : 0.8);
  },
  { passive: false },
);
byId('zoom-in', HTMLButtonElement).addEventListener('click', () => zoom(1 / 1.5));
byId('zoom-out', HTMLButtonElement).addEventListener('click', () => zoom(1.5));
byId('zoom-reset', HTMLButtonElement).addEventListener('click', () => {
  fit([]);
  draw();
});
new ResizeObserver(() => draw()).observe(svg);

async function main() {
  const session = await requireSession(['admin', 'worker', 'bureau', 'responder', 'dispatcher']);
  if (session === undefined) return;
  me = session;
  mountShell('map', me);
  onLanguageChange(draw);
  await load();
  // Responders, cabinets, alerts and indexes move on the map as they change: no polling.
  openMapStream(() => void load());
}

main().catch(async (/** @type {unknown} */ err) => {
  errorLine.textContent = t('error.load', { message: await errorSentence(err) });
  errorLine.hidden = false;
});
