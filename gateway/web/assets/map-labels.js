// @ts-check
/*
 * Labels that stay readable on both maps. Each label carries `data-priority` (lower: more urgent);
 * the most urgent are placed first, and a label that would cover one already placed, a control
 * or the map's edge is hidden (over tiles) or first tried a little above, below or beside its
 * place (the offline drawing), then hidden.
 */

/** Label priority: lower keeps its place. A new layer adds its kind here. */
export const LABEL_PRIORITY = /** @type {const} */ ({ emergency: 0, resident: 1, rescuer: 2, line: 3, aed: 4, station: 5, responder: 6, grid: 7 });

/** @typedef {keyof typeof LABEL_PRIORITY} LabelKind */
/** @typedef {{ left: number, top: number, right: number, bottom: number }} Box */

/**
 * The attribute that ranks a label.
 * @param {LabelKind} kind
 */
export function labelRank(kind) {
  return { 'data-priority': LABEL_PRIORITY[kind] };
}

/** @param {Box} a @param {Box} b */
function overlaps(a, b) {
  return a.left < b.right && a.right > b.left && a.top < b.bottom && a.bottom > b.top;
}

/** @param {Box} box @param {Box} frame */
function inside(box, frame) {
  return box.left >= frame.left && box.right <= frame.right && box.top >= frame.top && box.bottom <= frame.bottom;
}

/** @param {Box} box @param {number} dx @param {number} dy @returns {Box} */
function shifted(box, dx, dy) {
  return { left: box.left + dx, right: box.right + dx, top: box.top + dy, bottom: box.bottom + dy };
}

/**
 * Where a label may go, nearest first: its own place, slid back inside the map's edge, a line or
 * two up or down, half its width to either side.
 * @param {Box} box
 * @param {Box} frame
 * @returns {[number, number][]}
 */
function placesToTry(box, frame) {
  const width = box.right - box.left;
  const line = box.bottom - box.top + 2;
  const slide = box.left < frame.left ? frame.left - box.left + 2 : box.right > frame.right ? frame.right - box.right - 2 : 0;
  const dxs = [...new Set([0, slide, -(width / 2 + 6), width / 2 + 6])];
  const dys = [0, -line, line, -2 * line, 2 * line];
  /** @type {[number, number][]} */
  const tries = dxs.flatMap((dx) => dys.map((dy) => /** @type {[number, number]} */ ([dx, dy])));
  return tries.sort((a, b) => Math.abs(a[0]) + Math.abs(a[1]) - (Math.abs(b[0]) + Math.abs(b[1])));
}

/**
 * The ranked labels of a container, most urgent first (ties keep document order).
 * @param {ParentNode} root
 */
function rankedLabels(root) {
  return [...root.querySelectorAll('[data-priority]')].sort((a, b) => Number(a.getAttribute('data-priority')) - Number(b.getAttribute('data-priority')));
}

/**
 * Over tiles: hides every label that would overlap a more urgent one, a control or the edge.
 * @param {HTMLElement} container
 */
export function hideCrowdedLabels(container) {
  const frame = container.getBoundingClientRect();
  /** @type {Box[]} */
  const placed = [...container.querySelectorAll('.leaflet-control')].map((e) => e.getBoundingClientRect());
  const labels = rankedLabels(container).filter((e) => e.classList.contains('map-label'));
  for (const element of labels) element.classList.remove('label-hidden');
  for (const element of labels) {
    const box = element.getBoundingClientRect();
    // A label cut by the map's edge is as unreadable as one under another.
    const onScreen = overlaps(box, frame);
    const clash = (onScreen && !inside(box, frame)) || placed.some((p) => overlaps(box, p));
    if (clash) element.classList.add('label-hidden');
    else placed.push(box);
  }
}

/**
 * The offline drawing: a label that would overlap a more urgent one, the zoom buttons or the
 * edge is moved a line up or down, or to the side; if no place is free, it is hidden.
 * @param {SVGSVGElement} svg
 * @param {readonly Element[]} obstacles screen furniture labels must not cover
 */
export function untangleSvgLabels(svg, obstacles) {
  const frame = svg.getBoundingClientRect();
  /** @type {Box[]} */
  const placed = obstacles.map((e) => e.getBoundingClientRect()).filter((b) => b.width > 0 && b.height > 0);
  for (const element of rankedLabels(svg)) {
    element.removeAttribute('transform');
    element.classList.remove('label-hidden', 'label-moved');
    const box = element.getBoundingClientRect();
    if (box.width === 0 || !overlaps(box, frame)) continue;
    const tries = placesToTry(box, frame);
    const free = tries.find(([dx, dy]) => {
      const moved = shifted(box, dx, dy);
      return inside(moved, frame) && !placed.some((p) => overlaps(moved, p));
    });
    if (free === undefined) {
      element.classList.add('label-hidden');
      continue;
    }
    const [dx, dy] = free;
    if (dx !== 0 || dy !== 0) {
      element.setAttribute('transform', `translate(${dx.toFixed(1)} ${dy.toFixed(1)})`);
      element.classList.add('label-moved');
    }
    placed.push(shifted(box, dx, dy));
  }
}
