// @ts-check
import { showDrills } from './drill-list.js';
import { buildDetail, clearCharts, fillDetail, severityBadge, stateChip } from './alert-detail.js';
import { createAlertFilter } from './alert-filter.js';
import { noPlaces, placesFrom, subjectOf } from './alert-subject.js';
import { escalationText, inboxOrder, kindLabel } from './alert-text.js';
import { byId, h } from './dom.js';
import { formatAge, formatTime } from './format.js';
import { onLanguageChange, t } from './i18n.js';
import { openAlertStream } from './live.js';
import { notice, noticeWorthy, soundSwitch } from './notifier.js';
import { errorSentence } from './error-text.js';
import { api, requireSession } from './session.js';
import { mountShell } from './shell.js';

/** @typedef {import('./types.js').AlertView} AlertView */
/** @typedef {import('./types.js').AlertDetail} AlertDetail */
/** @typedef {import('./types.js').AlertContext} AlertContext */
/** @typedef {import('./types.js').Me} Me */

/*
 * The grid worker's console: the inbox (live over SSE, no reload), and the alert they picked with
 * everything needed to act on it, from a phone with one thumb.
 */

const list = byId('alert-list', HTMLOListElement);
const empty = byId('inbox-empty', HTMLParagraphElement);
const counts = byId('inbox-counts', HTMLParagraphElement);
const gridsLine = byId('inbox-grids', HTMLParagraphElement);
const loadError = byId('load-error', HTMLParagraphElement);
const streamStatus = byId('stream-status', HTMLSpanElement);
const filterSlot = byId('inbox-filters', HTMLDivElement);
const soundSlot = byId('sound-slot', HTMLSpanElement);
const detailPane = byId('detail', HTMLElement);
const announcer = byId('announcer', HTMLDivElement);

/** @type {Map<string, AlertView>} */
const alerts = new Map();
/** The context and related alerts of each alert, fetched once it is seen. @type {Map<string, { context: AlertContext | null, related: AlertView[] }>} */
const contexts = new Map();
/** @type {Set<string>} */
const fetching = new Set();
/** Alerts that arrived while the page was open, highlighted until looked at. @type {Set<string>} */
const fresh = new Set();
/** Alerts asked for by link that the gateway refused (another grid's) or does not know. @type {Map<string, string>} */
const unavailable = new Map();

/** Cabinets, stations and grids by id, so an alert about them reads as a place. */
let places = noPlaces();

/** @type {Me} */
let me;
/** @type {import('./alert-filter.js').AlertFilter} */
let filter;

/** @returns {string | null} */
function selectedId() {
  const match = /^#alert=([A-Za-z0-9_-]{1,64})$/.exec(location.hash);
  return match?.[1] ?? null;
}

/**
 * Keeps the newer of two copies: timelines only grow, so the longer one is the later state
 * (an ack's HTTP answer can arrive after the stream already told of a page sent after it).
 * @param {AlertView} alert
 */
function upsert(alert) {
  const known = alerts.get(alert.id);
  if (known !== undefined && known.timeline.length > alert.timeline.length) return;
  alerts.set(alert.id, alert);
}

/** @param {string} id */
async function fetchDetail(id) {
  if (fetching.has(id)) return;
  fetching.add(id);
  try {
    /** @type {AlertDetail} */
    const detail = await api(`/api/alerts/${encodeURIComponent(id)}`);
    const { context, related, ...alert } = detail;
    contexts.set(id, { context, related });
    upsert(alert);
  } finally {
    fetching.delete(id);
  }
}

/** Fetches what is missing, a few at a time, then redraws. */
async function fillContexts() {
  const missing = [...alerts.keys()].filter((id) => !contexts.has(id));
  for (let i = 0; i < missing.length; i += 4) {
    await Promise.all(missing.slice(i, i + 4).map((id) => fetchDetail(id).catch(() => undefined)));
    render();
  }
}

/**
 * The list from the API; alerts that left it while the stream was down are dropped (or re-read,
 * when open on screen).
 */
async function loadAlerts() {
  try {
    const states = filter.wantsResolved() ? ['open,acked', 'resolved'] : ['open,acked'];
    const answers = await Promise.all(states.map((state) => api(`/api/alerts?state=${state}&limit=${state === 'resolved' ? 50 : 200}`)));
    const seen = new Set();
    for (const answer of /** @type {{ alerts: AlertView[] }[]} */ (answers)) {
      for (const alert of answer.alerts) {
        upsert(alert);
        seen.add(alert.id);
      }
    }
    for (const [id, alert] of alerts) {
      if (seen.has(id) || (alert.state === 'resolved' && !filter.wantsResolved())) continue;
      if (id === selectedId()) await fetchDetail(id).catch(() => undefined);
      else alerts.delete(id);
    }
    loadError.hidden = true;
  } catch (err) {
    loadError.textContent = t('error.load', { message: await errorSentence(err) });
    loadError.hidden = false;
  }
  render();
  await fillContexts();
}

/** @param {AlertView} alert */
function subject(alert) {
  return subjectOf(alert, contexts.get(alert.id)?.context, places);
}

/** @param {AlertView} alert */
function whoOf(alert) {
  return subject(alert).name;
}

/** @param {AlertView} alert */
function placeOf(alert) {
  return subject(alert).place ?? '';
}

/** @param {AlertView} alert */
function card(alert) {
  const selected = alert.id === selectedId();
  return h(
    'li',
    { class: `alert-card sev-${alert.severity} state-${alert.state}${fresh.has(alert.id) ? ' fresh' : ''}`, 'data-alert-id': alert.id, 'data-state': alert.state },
    h(
      'a',
      { href: `#alert=${alert.id}`, 'aria-current': selected ? 'true' : null },
      h('span', { class: 'card-top' }, severityBadge(alert), h('span', { class: 'card-kind' }, kindLabel(alert.kind)), h('span', { class: 'card-age' }, formatAge(alert.createdAt))),
      h('span', { class: 'card-who' }, whoOf(alert)),
      h('span', { class: 'card-where' }, placeOf(alert)),
      h('span', { class: 'card-meta' }, stateChip(alert), ' ', formatTime(alert.createdAt), ' · ', escalationText(alert)),
    ),
  );
}

function renderList() {
  const all = [...alerts.values()];
  const shown = all.filter((a) => filter.matches(a, `${whoOf(a)} ${placeOf(a)} ${kindLabel(a.kind)}`)).sort(inboxOrder);
  list.replaceChildren(...shown.map(card));
  empty.hidden = shown.length > 0;
  empty.textContent = filter.active() ? t('filter.noMatch') : t('console.empty');
  const open = all.filter((a) => a.state === 'open').length;
  const acked = all.filter((a) => a.state === 'acked').length;
  counts.textContent = t('console.counts', { open, acked }) + (filter.active() ? ` · ${t('filter.shown', { shown: shown.length, total: all.length })}` : '');
  document.title = `${open > 0 ? `(${open}) ` : ''}${t('console.title')} · ${t('app.name')}`;
  gridsLine.textContent = t('console.grids', { grids: me.grids.map((g) => g.name).join(', ') || '—' });
}

/** @type {import('./alert-detail.js').DetailView | undefined} */
let view;
/**
 * @param {import('./alert-detail.js').DetailView} target
 * @param {'ack' | 'resolve' | 'note'} action
 */
async function act(target, action) {
  const text = target.note.value.trim();
  if (action === 'resolve' && text === '') {
    target.message.textContent = t('alert.resolveNeedsNote');
    target.message.hidden = false;
    target.note.focus();
    target.note.scrollIntoView({ block: 'center' });
    return;
  }
  if (action === 'note' && text === '') {
    target.note.focus();
    return;
  }
  for (const button of [target.ack, target.resolve, target.addNote]) button.disabled = true;
  try {
    const id = encodeURIComponent(target.alertId);
    /** @type {AlertView} */
    const updated =
      action === 'note'
        ? await api(`/api/alerts/${id}/notes`, { method: 'POST', body: { text } })
        : await api(`/api/alerts/${id}/${action}`, { method: 'POST', body: text === '' ? {} : { note: text } });
    upsert(updated);
    target.note.value = '';
    target.message.hidden = true;
  } catch (err) {
    target.message.textContent = t('alert.actionFailed', { message: await errorSentence(err) });
    target.message.hidden = false;
  } finally {
    for (const button of [target.ack, target.resolve, target.addNote]) button.disabled = false;
    render();
  }
}

function renderDetail() {
  const id = selectedId();
  document.body.classList.toggle('has-selection', id !== null);
  const alert = id === null ? undefined : alerts.get(id);
  if (id === null || alert === undefined) {
    view = undefined;
    const refusal = id === null ? undefined : unavailable.get(id);
    detailPane.replaceChildren(refusal === undefined ? h('p', { class: 'empty' }, t('console.pick')) : h('p', { class: 'message error' }, refusal));
    if (id !== null && refusal === undefined && !fetching.has(id)) {
      fetchDetail(id)
        .catch(async (/** @type {unknown} */ err) => unavailable.set(id, await errorSentence(err)))
        .then(render);
    }
    return;
  }
  if (view === undefined || view.alertId !== id) {
    view = buildDetail(id, act);
    detailPane.replaceChildren(view.root);
  }
  fillDetail(view, alert, contexts.get(id), { me, places });
}

function render() {
  renderList();
  renderDetail();
  const status = streamStatus.dataset.status;
  streamStatus.textContent = status === 'live' ? `● ${t('console.live')}` : status === 'down' ? t('console.reconnecting') : t('console.connecting');
}

/** @param {import('./types.js').AlertChangeMessage} message */
function onAlert(message) {
  const before = alerts.get(message.alert.id);
  const isNew = before === undefined && message.change.includes('alertRaised');
  const worth = noticeWorthy(before, message.alert);
  if (worth === 'repaged' || (worth === 'new' && (isNew || before !== undefined))) {
    const kind = kindLabel(message.alert.kind);
    notice(t(worth === 'new' ? 'notice.new' : 'notice.repaged', { kind }), `${whoOf(message.alert)} ${placeOf(message.alert)}`.trim(), message.alert.id);
  }
  upsert(message.alert);
  if (isNew) {
    fresh.add(message.alert.id);
    void fetchDetail(message.alert.id)
      .catch(() => undefined)
      .then(() => {
        announcer.textContent = t('console.newAlert', { kind: kindLabel(message.alert.kind), who: whoOf(message.alert) });
        render();
      });
  }
  render();
}

async function main() {
  const session = await requireSession(['admin', 'worker']);
  if (session === undefined) return;
  me = session;
  mountShell('console', me);
  mountFilters();
  onLanguageChange(() => {
    view = undefined;
    clearCharts();
    mountFilters();
    render();
  });
  // Names for cabinets and stations; the console still works (with less to say) without them.
  places = await api('/api/map')
    .then((body) => placesFrom(/** @type {import('./types.js').MapBody} */ (body)))
    .catch(() => noPlaces());
  addEventListener('hashchange', () => {
    const id = selectedId();
    if (id !== null) {
      fresh.delete(id);
      // Always re-read on opening: related alerts and the context may have changed.
      void fetchDetail(id)
        .then(render)
        .catch(() => undefined);
    }
    render();
    if (id !== null) document.getElementById('detail-title')?.focus();
  });
  // Ages ("5 min") move on with the clock.
  setInterval(render, 30_000);
  render();
  await loadAlerts();
  const drills = byId('drills', HTMLDetailsElement);
  void showDrills(drills).catch(() => undefined);
  onLanguageChange(() => void showDrills(drills).catch(() => undefined));
  openAlertStream({
    onHello: () => void loadAlerts(),
    onAlert,
    onStatus: (status) => {
      streamStatus.dataset.status = status;
      render();
    },
  });
}

/** The filters and the sound switch, rebuilt in the new language with their choices kept. */
function mountFilters() {
  const kept = [...filterSlot.querySelectorAll('select, input')].map((e) => /** @type {HTMLInputElement} */ (e).value);
  filter = createAlertFilter({ grids: me.grids, onChange: (reload) => (reload ? void loadAlerts() : render()) });
  filterSlot.replaceChildren(filter.element);
  [...filterSlot.querySelectorAll('select, input')].forEach((e, i) => {
    if (kept[i] !== undefined) /** @type {HTMLInputElement} */ (e).value = kept[i];
  });
  soundSlot.replaceChildren(soundSwitch());
}

main().catch(async (/** @type {unknown} */ err) => {
  loadError.textContent = t('error.load', { message: await errorSentence(err) });
  loadError.hidden = false;
});
