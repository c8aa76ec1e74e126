// @ts-check
import { h } from './dom.js';
import { straightLineText } from './map-panel.js';
import { fetchWalkingRoute, walkingRouteText } from './map-walking.js';

/*
 * On the alert view, under the nearest AEDs: the walking route to the nearest usable one where the
 * gateway has a routing service, else the straight line, labelled as one. Read once per alert.
 */

/** @type {Map<string, HTMLElement>} */
const lines = new Map();
/** The walking route's words per alert, once the gateway gave one: the action bar may be drawn again after. */
/** @type {Map<string, string>} */
const walkingTexts = new Map();

/**
 * The walking route to the nearest usable AED, in words, when known for this alert.
 * @param {string} alertId
 * @returns {string | undefined}
 */
export function knownWalkingRoute(alertId) {
  return walkingTexts.get(alertId);
}

/**
 * The line for an alert; it starts with the straight line and turns into the walking route when
 * the gateway gives one (the action bar's AED button says the same).
 * @param {string} alertId
 * @param {number} straightM the nearest usable AED's straight-line distance
 */
export function aedRouteLine(alertId, straightM) {
  const known = lines.get(alertId);
  if (known !== undefined) return known;
  const line = h('p', { class: 'aed-route', 'data-field': 'aed-route', 'data-kind': 'straight' }, straightLineText(straightM));
  lines.set(alertId, line);
  void fetchWalkingRoute(alertId).then((route) => {
    if (route === null || route.kind !== 'walking') return;
    const text = walkingRouteText(route);
    walkingTexts.set(alertId, text);
    line.textContent = text;
    line.setAttribute('data-kind', 'walking');
    document.querySelector('[data-action="to-aed"]')?.setAttribute('title', text);
  });
  return line;
}

/** Forgets the lines (their words are in the old language). */
export function clearRouteLines() {
  lines.clear();
  walkingTexts.clear();
}
