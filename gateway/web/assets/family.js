// @ts-check
import { byId, h } from './dom.js';
import { formatAge, formatDistance, formatTime } from './format.js';
import { label, onLanguageChange, t } from './i18n.js';
import { errorSentence } from './error-text.js';
import { api, ApiError, requireSession } from './session.js';
import { mountShell } from './shell.js';

/** @typedef {import('./types.js').FamilyView} FamilyView */
/** @typedef {import('./types.js').FamilyAlert} FamilyAlert */
/** @typedef {import('./types.js').FamilyPlace} FamilyPlace */
/** @typedef {import('./types.js').AccessLogEntry} AccessLogEntry */

/*
 * A family member's page (a `family` token): their relative's open alerts, when and (if shared)
 * where the bracelet was last heard from, who is on the way, "I'm going", and a call to the grid
 * worker. Large type unless the person turned it off. Everything comes from GET /api/family,
 * which applies the resident's sharing choices; the page shows names, never ids.
 */

// Large type by default on this page: most relatives read it on a phone, many are not young.
if (localStorage.getItem('gw.largeType') === null) {
  localStorage.setItem('gw.largeType', '1');
  document.documentElement.classList.add('large-type');
}

const body = byId('family-body', HTMLDivElement);
const errorBox = byId('family-error', HTMLParagraphElement);

/** @type {FamilyView | null} */
let view = null;
/** @type {AccessLogEntry[]} */
let accessLog = [];
/** @type {string | null} */
let actionError = null;

/** @param {FamilyPlace | null} place */
function placeLine(place) {
  if (place === null) return h('p', { class: 'muted', 'data-field': 'place' }, t('family.placeHidden'));
  const words = place.atHome ? t('family.placeHome') : place.fromHomeM === null ? t('family.placeKnown') : t('family.placeAway', { distance: formatDistance(place.fromHomeM) });
  return h(
    'div',
    { 'data-field': 'place' },
    h('p', {}, words),
    place.sharedUnder === 'emergency' ? h('p', { class: 'emergency-mark', 'data-field': 'shared-under' }, t('family.emergency')) : null,
    h('a', { class: 'big-button', href: `geo:${place.lat},${place.lon}`, 'data-action': 'open-map' }, t('family.openMap')),
  );
}

/** @param {FamilyAlert} alert */
function alertCard(alert) {
  const going = alert.goingMyself
    ? h('p', { class: 'going', 'data-field': 'going' }, t('family.youreGoing'))
    : h('button', { type: 'button', class: 'primary big-button', 'data-action': 'im-going', onclick: () => void imGoing(alert.id) }, t('family.imGoing'));
  return h(
    'li',
    { class: `card sev-${alert.severity}`, 'data-alert': alert.id },
    h('p', { class: 'kind' }, label('kind', alert.kind)),
    alert.sharedUnder === 'emergency' && alert.place === null ? h('p', { class: 'emergency-mark' }, t('family.emergency')) : null,
    h('p', {}, t('family.since', { time: formatTime(alert.createdAt), age: formatAge(alert.createdAt) })),
    placeLine(alert.place),
    h('p', { 'data-field': 'on-the-way' }, alert.onTheWay.length === 0 ? t('family.nobodyYet') : t('family.onTheWay', { names: alert.onTheWay.join(', ') })),
    going,
  );
}

/** @param {FamilyView} v */
function render(v) {
  const name = v.resident.name;
  document.title = t('family.title', { name });
  const workers = v.workers.map((w) =>
    w.phones[0] === undefined
      ? h('p', { class: 'muted' }, t('family.noWorkerPhone', { name: w.name }))
      : h('a', { class: 'big-button', href: `tel:${w.phones[0]}`, 'data-action': 'call-worker' }, `☎ ${t('family.callWorker', { name: w.name })}`),
  );
  const recentLog = accessLog.slice(0, 10);
  body.replaceChildren(h(
    'div',
    { class: 'family-view' },
    h('h1', { id: 'family-title' }, t('family.title', { name })),
    v.resident.address === null ? null : h('p', {}, t('family.address', { address: v.resident.address })),
    v.resident.gridName === null ? null : h('p', { class: 'muted' }, t('family.grid', { grid: v.resident.gridName })),
    actionError === null ? null : h('p', { class: 'message error', role: 'alert' }, actionError),
    h('h2', {}, t('family.alerts')),
    v.alerts.length === 0 ? h('p', { class: 'all-well', 'data-field': 'all-well' }, t('family.allWell')) : h('ol', { class: 'family-alerts' }, ...v.alerts.map(alertCard)),
    h('h2', {}, t('family.lastSeen')),
    h(
      'div',
      { class: 'card', 'data-field': 'last-seen' },
      h('p', {}, v.lastSeen.at === null ? t('family.neverSeen') : t('family.lastSeenAt', { time: formatTime(v.lastSeen.at), age: formatAge(v.lastSeen.at) })),
      placeLine(v.lastSeen.place),
    ),
    ...workers,
    recentLog.length === 0
      ? null
      : h(
          'details',
          { class: 'access-log' },
          h('summary', {}, t('family.whoLooked', { name })),
          h('ul', {}, ...recentLog.map((e) => h('li', {}, `${formatTime(e.at)} · ${e.actorName ?? label('role', e.role)} (${label('role', e.role)})`))),
        ),
  ));
}

async function load() {
  try {
    /** @type {FamilyView} */
    const next = await api('/api/family');
    view = next;
    const log = /** @type {{ entries: AccessLogEntry[] }} */ (await api(`/api/residents/${encodeURIComponent(next.resident.id)}/access-log?limit=50`));
    accessLog = log.entries;
    errorBox.hidden = true;
    render(next);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return;
    errorBox.textContent = t('family.loadFailed');
    errorBox.hidden = false;
  }
}

/** "I'm going": an ack the timeline shows, and the bracelet tells the wearer by name. */
async function imGoing(/** @type {string} */ alertId) {
  try {
    await api(`/api/alerts/${encodeURIComponent(alertId)}/ack`, { method: 'POST', body: {} });
    actionError = null;
  } catch (err) {
    actionError = t('family.goingFailed', { message: await errorSentence(err) });
  }
  await load();
}

const me = await requireSession(['family']);
if (me !== undefined) {
  mountShell('family', me);
  await load();
  onLanguageChange(() => {
    if (view !== null) render(view);
  });
  // Live: any change to an alert the token may see reloads the page's one read (the cookie opens the stream).
  const stream = new EventSource('/api/alerts/stream');
  stream.addEventListener('alert', () => void load());
}
