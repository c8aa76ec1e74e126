// @ts-check
import { describeDetails, escalationText, inboxOrder, kindLabel, personName, timelineNote, timelineText } from './alert-text.js';
import { byId, h } from './dom.js';
import { formatAge, formatDistance, formatTime } from './format.js';
import { label, onLanguageChange, t } from './i18n.js';
import { openAlertStream } from './live.js';
import { ApiError, api, requireSession } from './session.js';
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
const showResolved = byId('show-resolved', HTMLInputElement);
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

/** @type {Me} */
let me;

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
    const states = showResolved.checked ? ['open,acked', 'resolved'] : ['open,acked'];
    const answers = await Promise.all(states.map((state) => api(`/api/alerts?state=${state}&limit=${state === 'resolved' ? 50 : 200}`)));
    const seen = new Set();
    for (const answer of /** @type {{ alerts: AlertView[] }[]} */ (answers)) {
      for (const alert of answer.alerts) {
        upsert(alert);
        seen.add(alert.id);
      }
    }
    for (const [id, alert] of alerts) {
      if (seen.has(id) || (alert.state === 'resolved' && !showResolved.checked)) continue;
      if (id === selectedId()) await fetchDetail(id).catch(() => undefined);
      else alerts.delete(id);
    }
    loadError.hidden = true;
  } catch (err) {
    loadError.textContent = t('error.load', { message: err instanceof Error ? err.message : String(err) });
    loadError.hidden = false;
  }
  render();
  await fillContexts();
}

/** @param {AlertView} alert */
function whoOf(alert) {
  return contexts.get(alert.id)?.context?.resident?.name ?? alert.subject;
}

/** @param {AlertView} alert */
function placeOf(alert) {
  const context = contexts.get(alert.id)?.context;
  if (context === undefined) return '';
  return context?.resident?.address ?? (context?.location ? label('where', context.location.source) : '');
}

/** @param {AlertView} alert */
function severityBadge(alert) {
  return h('span', { class: `badge sev-${alert.severity}` }, label('severity', alert.severity));
}

/** @param {AlertView} alert */
function stateChip(alert) {
  return h('span', { class: `chip state-${alert.state}` }, label('state', alert.state));
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
  const shown = [...alerts.values()].filter((a) => showResolved.checked || a.state !== 'resolved').sort(inboxOrder);
  list.replaceChildren(...shown.map(card));
  empty.hidden = shown.length > 0;
  const open = shown.filter((a) => a.state === 'open').length;
  const acked = shown.filter((a) => a.state === 'acked').length;
  counts.textContent = t('console.counts', { open, acked });
  document.title = `${open > 0 ? `(${open}) ` : ''}${t('console.title')} · ${t('app.name')}`;
  gridsLine.textContent = t('console.grids', { grids: me.grids.map((g) => g.name).join(', ') || '—' });
}

/*
 * The detail pane is built once per alert and its parts refilled on each change, so a note being
 * typed keeps its text and focus while the stream updates the alert.
 */

/**
 * @typedef {object} DetailView
 * @property {string} alertId
 * @property {HTMLElement} root
 * @property {HTMLElement} header
 * @property {HTMLElement} facts
 * @property {HTMLElement} aeds
 * @property {HTMLElement} contacts
 * @property {HTMLOListElement} timeline
 * @property {HTMLElement} related
 * @property {HTMLTextAreaElement} note
 * @property {HTMLButtonElement} ack
 * @property {HTMLButtonElement} resolve
 * @property {HTMLButtonElement} addNote
 * @property {HTMLParagraphElement} message
 */

/** @type {DetailView | undefined} */
let view;

/**
 * @param {string} title
 * @param {HTMLElement} body
 */
function section(title, body) {
  return h('section', { class: 'detail-section' }, h('h3', {}, title), body);
}

/** @param {string} alertId */
function buildDetail(alertId) {
  const note = h('textarea', { id: 'note', rows: 2, maxlength: 2000, placeholder: t('alert.notePlaceholder') });
  const ack = h('button', { type: 'button', class: 'primary big', 'data-action': 'ack' }, t('alert.ack'));
  const resolve = h('button', { type: 'button', class: 'secondary big', 'data-action': 'resolve' }, t('alert.resolve'));
  const addNote = h('button', { type: 'button', class: 'plain', 'data-action': 'note' }, t('alert.addNote'));
  const message = h('p', { class: 'message', role: 'alert', hidden: true });
  const header = h('header', { class: 'detail-head' });
  const facts = h('dl', { class: 'facts' });
  const aeds = h('div');
  const contacts = h('div');
  const timeline = h('ol', { class: 'timeline', 'aria-live': 'polite' });
  const related = h('div');
  const root = h(
    'article',
    { class: 'alert-detail', 'data-alert-id': alertId },
    h('a', { href: '#', class: 'back' }, '← ', t('console.back')),
    header,
    h(
      'div',
      { class: 'detail-main' },
      facts,
      h('section', { class: 'actions', 'aria-label': t('alert.note') }, h('label', { for: 'note' }, t('alert.note')), note, h('div', { class: 'action-buttons' }, ack, resolve, addNote), message),
    ),
    h('div', { class: 'detail-side' }, section(t('alert.nearestAeds'), aeds), section(t('alert.contacts'), contacts), section(t('alert.timeline'), timeline), related),
  );
  /** @type {DetailView} */
  const built = { alertId, root, header, facts, aeds, contacts, timeline, related, note, ack, resolve, addNote, message };
  ack.addEventListener('click', () => void act(built, 'ack'));
  resolve.addEventListener('click', () => void act(built, 'resolve'));
  addNote.addEventListener('click', () => void act(built, 'note'));
  return built;
}

/**
 * @param {DetailView} target
 * @param {'ack' | 'resolve' | 'note'} action
 */
async function act(target, action) {
  const text = target.note.value.trim();
  if (action === 'resolve' && text === '') {
    target.message.textContent = t('alert.resolveNeedsNote');
    target.message.hidden = false;
    target.note.focus();
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
    target.message.textContent = t('alert.actionFailed', { message: err instanceof ApiError ? err.message : String(err) });
    target.message.hidden = false;
  } finally {
    for (const button of [target.ack, target.resolve, target.addNote]) button.disabled = false;
    render();
  }
}

/**
 * @param {string} term
 * @param {...(Node | string | null)} values
 */
function fact(term, ...values) {
  return h('div', { class: 'fact' }, h('dt', {}, term), h('dd', {}, ...values));
}

/**
 * @param {DetailView} target
 * @param {AlertView} alert
 */
function fillDetail(target, alert) {
  const known = contexts.get(alert.id);
  const context = known?.context ?? null;
  const resident = context?.resident ?? null;

  target.header.replaceChildren(
    h('span', { class: 'detail-badges' }, severityBadge(alert), stateChip(alert), alert.occurrences > 1 ? h('span', { class: 'chip' }, t('alert.occurrences', { n: alert.occurrences })) : null),
    h('h2', { id: 'detail-title', tabindex: '-1' }, kindLabel(alert.kind)),
  );

  const what = describeDetails(alert);
  const location = context?.location ?? null;
  target.facts.replaceChildren(
    fact(
      t('alert.resident'),
      h('strong', { class: 'who' }, resident?.name ?? alert.subject),
      resident?.address ? h('span', { class: 'line' }, resident.address) : null,
      resident && resident.conditions.length > 0 ? h('span', { class: 'line' }, resident.conditions.map((c) => label('condition', c)).join(', ')) : null,
      resident?.livesAlone ? h('span', { class: 'chip warn' }, t('alert.livesAlone')) : null,
    ),
    fact(t('alert.what'), h('span', {}, kindLabel(alert.kind)), what === '' ? null : h('span', { class: 'line' }, what)),
    fact(
      t('alert.where'),
      location === null
        ? t('alert.unknownPlace')
        : h(
            'span',
            {},
            h('span', { class: 'line' }, label('where', location.source)),
            h('span', { class: 'line coords' }, `${location.lat.toFixed(5)}, ${location.lon.toFixed(5)}`),
            resident === null ? null : h('a', { class: 'line', href: `/map#resident=${resident.id}` }, t('alert.showOnMap')),
          ),
    ),
    fact(t('alert.since'), t('alert.sinceValue', { time: formatTime(alert.createdAt), age: formatAge(alert.createdAt) })),
    fact(t('alert.escalation'), escalationText(alert)),
    ...(alert.assignee === null ? [] : [fact(t('state.acked'), t('alert.assignee', { name: personName(alert.assignee, me) }))]),
  );

  target.aeds.replaceChildren(
    context === null || context.nearestAeds.length === 0
      ? h('p', { class: 'muted' }, t('alert.noAed'))
      : h(
          'ol',
          { class: 'aed-list' },
          ...context.nearestAeds.map((aed) =>
            h(
              'li',
              {},
              h('strong', {}, formatDistance(aed.distanceM)),
              ' ',
              aed.description ?? aed.id,
              aed.floor === null ? null : ` · ${t('aed.floor', { floor: aed.floor })}`,
            ),
          ),
        ),
  );

  target.contacts.replaceChildren(
    context === null || context.contacts.length === 0
      ? h('p', { class: 'muted' }, t('alert.noContacts'))
      : h(
          'ul',
          { class: 'contact-list' },
          ...context.contacts.map((c) =>
            h(
              'li',
              {},
              h('span', {}, c.name, c.relation === null ? '' : ` (${c.relation})`),
              ...c.phones.map((phone) => h('a', { class: 'call', href: `tel:${phone}` }, '☎ ', phone)),
            ),
          ),
        ),
  );

  target.timeline.replaceChildren(
    ...alert.timeline.map((entry) => {
      const note = timelineNote(entry);
      return h(
        'li',
        { class: `tl tl-${entry.type}`, 'data-type': entry.type },
        h('time', { datetime: entry.at }, formatTime(entry.at, { seconds: true })),
        h('span', { class: 'tl-text' }, timelineText(entry, me)),
        note === null ? null : h('q', { class: 'tl-note' }, note),
      );
    }),
  );

  const related = known?.related ?? [];
  target.related.replaceChildren(
    related.length === 0
      ? ''
      : section(
          t('alert.related'),
          h('ul', { class: 'related-list' }, ...related.map((r) => h('li', {}, h('a', { href: `#alert=${r.id}` }, kindLabel(r.kind), ' · ', label('state', r.state), ' · ', formatTime(r.createdAt))))),
        ),
  );

  target.ack.hidden = alert.state !== 'open';
  target.resolve.hidden = alert.state === 'resolved';
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
        .catch((/** @type {unknown} */ err) => unavailable.set(id, err instanceof Error ? err.message : String(err)))
        .then(render);
    }
    return;
  }
  if (view === undefined || view.alertId !== id) {
    view = buildDetail(id);
    detailPane.replaceChildren(view.root);
  }
  fillDetail(view, alert);
}

function render() {
  renderList();
  renderDetail();
  const status = streamStatus.dataset.status;
  streamStatus.textContent = status === 'live' ? `● ${t('console.live')}` : status === 'down' ? t('console.reconnecting') : t('console.connecting');
}

/** @param {import('./types.js').AlertChangeMessage} message */
function onAlert(message) {
  const isNew = !alerts.has(message.alert.id) && message.change.includes('alertRaised');
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
  onLanguageChange(() => {
    view = undefined;
    render();
  });
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
  showResolved.addEventListener('change', () => void loadAlerts());
  // Ages ("5 min") move on with the clock.
  setInterval(render, 30_000);
  render();
  await loadAlerts();
  openAlertStream({
    onHello: () => void loadAlerts(),
    onAlert,
    onStatus: (status) => {
      streamStatus.dataset.status = status;
      render();
    },
  });
}

main().catch((/** @type {unknown} */ err) => {
  loadError.textContent = t('error.load', { message: err instanceof Error ? err.message : String(err) });
  loadError.hidden = false;
});
