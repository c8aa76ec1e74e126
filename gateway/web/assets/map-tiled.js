// @ts-check
import { kindLabel } from './alert-text.js';
import { cabinetName, placesFrom } from './alert-subject.js';
import { label, t } from './i18n.js';
import { formatDistance } from './format.js';
import { hideCrowdedLabels, LABEL_PRIORITY } from './map-labels.js';
import { nearestUsableAed, straightLineText } from './map-panel.js';
import { midpointOf, walkingRouteOf, walkingRouteText } from './map-walking.js';
import { drawRescueTiled, rescuePoints, respondersOnRescue } from './map-rescue.js';
import { drawSensorsTiled, sensorPoints } from './map-sensors.js';

/** @typedef {import('./types.js').MapBody} MapBody */
/** @typedef {import('./types.js').Me} Me */
/** @typedef {import('./map-panel.js').Selection} Selection */
/** @typedef {import('./map-labels.js').LabelKind} LabelKind */

/*
 * The map over real streets: Leaflet with the configured tile source (raster tiles: small, and
 * no WebGL needed on a cheap phone). Markers are the same as on the offline drawing; labels that
 * would overlap another (or the zoom buttons) are hidden, the most urgent kept (map-labels.js):
 * emergencies, residents in trouble, responders on the way, then cabinets, stations, responders,
 * grids. Each layer is drawn by its own block (the rescue layer: map-rescue.js).
 */

/**
 * @param {HTMLElement} container
 * @param {NonNullable<MapBody['tiles']>} tiles
 * @param {(selection: Selection) => void} onSelect
 */
export async function createTiledMap(container, tiles, onSelect) {
  // Loaded only when tiles are configured: the offline map never fetches Leaflet.
  const L = await import(new URL('./leaflet/leaflet-src.esm.js', import.meta.url).href);
  const map = L.map(container, { zoomControl: true, attributionControl: true, maxZoom: tiles.maxZoom });
  L.tileLayer(tiles.url, { attribution: tiles.attribution, maxZoom: tiles.maxZoom }).addTo(map);
  const layer = L.layerGroup().addTo(map);
  let fitted = false;

  const untangle = () => hideCrowdedLabels(container);
  // After the map has laid its tooltips out for the new view, not during it.
  const untangleSoon = () => requestAnimationFrame(() => requestAnimationFrame(untangle));
  map.on('zoomend moveend resize', untangleSoon);

  /**
   * @param {any} marker
   * @param {Selection} target
   * @param {string} name
   * @param {string | null} text
   * @param {LabelKind} kind
   */
  const add = (marker, target, name, text, kind) => {
    if (text !== null) marker.bindTooltip(text, { permanent: true, direction: 'right', className: 'map-label', offset: [10, 0] });
    marker.on('click', () => onSelect(target));
    marker.addTo(layer);
    const element = marker.getElement();
    element?.setAttribute('data-type', target.type);
    element?.setAttribute('data-id', target.id);
    element?.setAttribute('aria-label', name);
    element?.setAttribute('role', 'button');
    marker.getTooltip()?.getElement()?.setAttribute('data-priority', String(LABEL_PRIORITY[kind]));
  };

  /** @param {string} className @param {string} glyph */
  const icon = (className, glyph) => L.divIcon({ className: `map-icon ${className}`, html: glyph, iconSize: [26, 26], iconAnchor: [13, 13] });

  return {
    /**
     * @param {MapBody} body
     * @param {Me} me
     * @param {Selection | null} selected
     */
    draw(body, me, selected) {
      map.invalidateSize();
      layer.clearLayers();
      // Leaflet leaves a permanent tooltip behind when its marker leaves the map mid-redraw.
      for (const stale of container.querySelectorAll('.leaflet-tooltip')) stale.remove();
      const places = placesFrom(body);
      /** @type {[number, number][]} */
      const focus = [];
      /** @type {[number, number][]} */
      const everything = [];
      for (const grid of body.grids) {
        if (grid.boundary === null) continue;
        everything.push(...grid.boundary);
        if (grid.yours && me.role === 'worker') focus.push(...grid.boundary);
        const polygon = L.polygon(grid.boundary, { className: `grid-area${grid.yours ? ' yours' : ''}`, interactive: false });
        polygon.bindTooltip(grid.name, { permanent: true, direction: 'center', className: 'map-label grid-label' });
        polygon.addTo(layer);
        polygon.getTooltip()?.getElement()?.setAttribute('data-priority', String(LABEL_PRIORITY.grid));
      }
      for (const station of body.stations) {
        everything.push([station.lat, station.lon]);
        const marker = L.marker([station.lat, station.lon], { icon: icon(`station${station.stale ? ' stale' : ''}`, station.display ?? '—'), keyboard: true });
        add(marker, { type: 'station', id: station.id }, `${t('map.station')}: ${station.name} ${station.display ?? '—'}`, station.name, 'station');
        const element = marker.getElement();
        if (element !== undefined && station.color !== null) element.style.setProperty('--station-color', station.color);
      }
      for (const aed of body.aeds) {
        everything.push([aed.lat, aed.lon]);
        const name = `${t('map.aed')}: ${cabinetName(aed, places)}, ${label('aedState', aed.state)}`;
        add(L.marker([aed.lat, aed.lon], { icon: icon(`aed state-${aed.state}`, '♥'), keyboard: true }), { type: 'aed', id: aed.id }, name, null, 'aed');
      }
      const onRescue = respondersOnRescue(body);
      for (const responder of body.responders) {
        if (onRescue.has(responder.id)) continue;
        everything.push([responder.lat, responder.lon]);
        add(
          L.marker([responder.lat, responder.lon], { icon: icon('responder', '▲'), keyboard: true }),
          { type: 'responder', id: responder.id },
          `${t('map.responder')}: ${responder.name}`,
          responder.name,
          'responder',
        );
      }
      for (const resident of body.residents) {
        if (resident.location === null) continue;
        const at = resident.location;
        everything.push([at.lat, at.lon]);
        if (me.role === 'worker') focus.push([at.lat, at.lon]);
        const route = walkingRouteOf(resident);
        const nearest = route === null ? nearestUsableAed(body, at) : null;
        if (route !== null) {
          const line = L.polyline(route.path, { className: 'aed-line walking-route', interactive: false });
          line.addTo(layer);
          const tip = L.tooltip({ permanent: true, direction: 'bottom', offset: [0, 14], className: 'map-label line-label walking-label' }).setLatLng(midpointOf(route.path)).setContent(walkingRouteText(route));
          tip.addTo(layer);
          tip.getElement()?.setAttribute('data-priority', String(LABEL_PRIORITY.line));
        }
        if (nearest !== null) {
          const line = L.polyline(
            [
              [at.lat, at.lon],
              [nearest.aed.lat, nearest.aed.lon],
            ],
            { className: 'aed-line', interactive: false },
          );
          line.bindTooltip(t('map.straightShort', { distance: formatDistance(nearest.distanceM) }), { permanent: true, direction: 'bottom', offset: [0, 14], className: 'map-label line-label' });
          line.addTo(layer);
          line.getTooltip()?.getElement()?.setAttribute('data-priority', String(LABEL_PRIORITY.line));
        }
        const top = resident.alerts[0];
        const marker = L.marker([at.lat, at.lon], { icon: icon(`resident state-${top?.state ?? 'open'}`, '!'), keyboard: true, zIndexOffset: 1000 });
        add(marker, { type: 'resident', id: resident.id }, `${t('map.resident')}: ${resident.name}, ${top === undefined ? '' : kindLabel(top.kind)}`, resident.name, 'resident');
        if (nearest !== null) marker.getElement()?.setAttribute('title', straightLineText(nearest.distanceM));
        if (route !== null) marker.getElement()?.setAttribute('title', walkingRouteText(route));
      }
      drawSensorsTiled(L, body, { add, icon });
      everything.push(...sensorPoints(body));
      drawRescueTiled(L, layer, body, { add, icon });
      // An emergency under way comes first: the patient and everyone running to them.
      const rescue = rescuePoints(body);
      everything.push(...rescue);
      if (rescue.length > 0) focus.splice(0, focus.length, ...rescue);
      for (const element of container.querySelectorAll('[data-type]')) {
        const isSelected = selected !== null && element.getAttribute('data-type') === selected.type && element.getAttribute('data-id') === selected.id;
        element.classList.toggle('selected', isSelected);
      }
      if (!fitted) {
        const chosen = selected?.type === 'resident' ? body.residents.find((r) => r.id === selected.id)?.location : undefined;
        if (chosen !== undefined && chosen !== null) map.setView([chosen.lat, chosen.lon], Math.min(tiles.maxZoom, 17));
        else if ((focus.length > 0 ? focus : everything).length > 0) map.fitBounds(focus.length > 0 ? focus : everything, { padding: [48, 48], maxZoom: 17 });
        else map.setView([0, 0], 2);
        fitted = true;
      }
      untangleSoon();
    },
    /** The whole area again. */
    reset() {
      fitted = false;
    },
  };
}
