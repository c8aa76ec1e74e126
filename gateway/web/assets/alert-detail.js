// @ts-check
import { createActionBar } from './action-bar.js';
import { aedRouteLine, clearRouteLines } from './alert-route.js';
import { subjectOf, whereLabel } from './alert-subject.js';
import { describeDetails, escalationText, kindLabel, personName, relationText } from './alert-text.js';
import { h } from './dom.js';
import { formatAge, formatDistance, formatTime } from './format.js';
import { label, plural, t } from './i18n.js';
import { timelineItems } from './timeline-view.js';
import { vitalsCharts } from './vitals-charts.js';

/** @typedef {import('./types.js').AlertView} AlertView */
/** @typedef {import('./types.js').AlertContext} AlertContext */
/** @typedef {import('./types.js').Me} Me */
/** @typedef {import('./alert-subject.js').Places} Places */
/** @typedef {{ context: AlertContext | null, related: AlertView[] }} Known */

/** Each alert's charts of the resident's last day, fetched once. @type {Map<string, HTMLElement>} */
const vitals = new Map();

/** Forgets the charts (their words are in the old language). */
export function clearCharts() {
  vitals.clear();
  clearRouteLines();
}

/** @param {AlertView} alert */
export function severityBadge(alert) {
  return h('span', { class: `badge sev-${alert.severity}` }, label('severity', alert.severity));
}

/** @param {AlertView} alert */
export function stateChip(alert) {
  return h('span', { class: `chip state-${alert.state}` }, label('state', alert.state));
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
 * @property {HTMLElement} charts
 * @property {HTMLTextAreaElement} note
 * @property {HTMLButtonElement} ack
 * @property {HTMLButtonElement} resolve
 * @property {HTMLButtonElement} addNote
 * @property {import('./action-bar.js').ActionBar} bar
 * @property {HTMLElement} contactsSection
 * @property {HTMLElement} chartsSection
 * @property {HTMLParagraphElement} message
 */


/**
 * @param {string} title
 * @param {HTMLElement} body
 */
function section(title, body) {
  return h('section', { class: 'detail-section' }, h('h3', {}, title), body);
}

/**
 * @param {string} alertId
 * @param {(target: DetailView, action: 'ack' | 'resolve' | 'note') => Promise<void>} act
 */
export function buildDetail(alertId, act) {
  const note = h('textarea', { id: 'note', rows: 2, maxlength: 2000, placeholder: t('alert.notePlaceholder') });
  const bar = createActionBar();
  const { ack, resolve } = bar;
  const addNote = h('button', { type: 'button', class: 'plain', 'data-action': 'note' }, t('alert.addNote'));
  const message = h('p', { class: 'message', role: 'alert', hidden: true });
  const header = h('header', { class: 'detail-head' });
  const facts = h('dl', { class: 'facts' });
  const aeds = h('div');
  const contacts = h('div');
  const charts = h('div');
  const timeline = h('ol', { class: 'timeline', 'aria-live': 'polite' });
  const related = h('div');
  const contactsSection = section(t('alert.contacts'), contacts);
  const chartsSection = section(t('vitals.title'), charts);
  const root = h(
    'article',
    { class: 'alert-detail', 'data-alert-id': alertId },
    h('a', { href: '#', class: 'back' }, '← ', t('console.back')),
    header,
    h(
      'div',
      { class: 'detail-main' },
      facts,
      h('section', { class: 'actions', 'aria-label': t('alert.note') }, h('label', { for: 'note' }, t('alert.note')), note, h('div', { class: 'action-buttons' }, addNote), message),
      contactsSection,
      chartsSection,
    ),
    h('div', { class: 'detail-side' }, section(t('alert.nearestAeds'), aeds), section(t('alert.timeline'), timeline), related),
    bar.root,
  );
  /** @type {DetailView} */
  const built = { alertId, root, header, facts, aeds, contacts, charts, timeline, related, note, ack, resolve, addNote, message, bar, contactsSection, chartsSection };
  ack.addEventListener('click', () => void act(built, 'ack'));
  resolve.addEventListener('click', () => void act(built, 'resolve'));
  addNote.addEventListener('click', () => void act(built, 'note'));
  return built;
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
 * @param {Known | undefined} known
 * @param {{ me: Me, places: Places }} env
 */
export function fillDetail(target, alert, known, { me, places }) {
  const context = known?.context ?? null;
  const resident = context?.resident ?? null;
  const about = subjectOf(alert, context, places);

  target.header.replaceChildren(
    h(
      'span',
      { class: 'detail-badges' },
      severityBadge(alert),
      stateChip(alert),
      alert.occurrences > 1 ? h('span', { class: 'chip' }, plural('alert.occurrences', alert.occurrences)) : null,
      // The resident did not choose to share this with you: it reached you because it is an emergency (PIPL art. 13(4)).
      alert.sharedUnder === 'emergency' ? h('span', { class: 'chip warn emergency-rule', 'data-field': 'shared-under', title: t('act.sharedUnderEmergencyWhy') }, t('act.sharedUnderEmergency')) : null,
    ),
    h('h2', { id: 'detail-title', tabindex: '-1' }, kindLabel(alert.kind)),
  );

  const what = describeDetails(alert);
  const location = context?.location ?? null;
  target.facts.replaceChildren(
    fact(
      about.heading,
      h('strong', { class: 'who' }, about.name),
      about.place ? h('span', { class: 'line' }, about.place) : null,
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
            h('span', { class: 'line' }, whereLabel(about, location.source)),
            h('span', { class: 'line coords' }, `${location.lat.toFixed(5)}, ${location.lon.toFixed(5)}`),
            location.sharedUnder === 'emergency' ? h('span', { class: 'line chip warn emergency-rule', 'data-field': 'location-shared-under' }, t('act.sharedUnderEmergency')) : null,
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
          { class: 'aed-list', title: t('act.straightNote') },
          ...context.nearestAeds.map((aed) =>
            h(
              'li',
              {},
              h('strong', {}, formatDistance(aed.distanceM)),
              ' ',
              aed.description ?? label('subject', 'aed'),
              aed.floor === null ? null : ` · ${t('aed.floor', { floor: aed.floor })}`,
            ),
          ),
        ),
    ...(context === null || context.nearestAeds[0] === undefined || alert.kind === 'aqhi_high' ? [] : [aedRouteLine(alert.id, context.nearestAeds[0].distanceM)]),
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
              h('span', {}, c.name, c.relation === null ? '' : ` (${relationText(c.relation)})`),
              ...c.phones.map((phone) => h('a', { class: 'call', href: `tel:${phone}` }, '☎ ', phone)),
            ),
          ),
        ),
  );

  target.contactsSection.hidden = resident === null;
  target.timeline.replaceChildren(...timelineItems(alert, me));
  const deviceId = typeof alert.details.deviceId === 'string' ? alert.details.deviceId : null;
  target.chartsSection.hidden = resident === null || deviceId === null;
  if (resident !== null && deviceId !== null) target.charts.replaceChildren(chartsFor(alert.id, deviceId));
  target.bar.fill(alert, context);

  const related = known?.related ?? [];
  target.related.replaceChildren(
    related.length === 0
      ? ''
      : section(
          t('alert.related'),
          h('ul', { class: 'related-list' }, ...related.map((r) => h('li', {}, h('a', { href: `#alert=${r.id}` }, kindLabel(r.kind), ' · ', label('state', r.state), ' · ', formatTime(r.createdAt))))),
        ),
  );

}

/**
 * The resident's last 24 hours, fetched once per alert; a placeholder until it arrives.
 * @param {string} alertId
 * @param {string} deviceId
 */
function chartsFor(alertId, deviceId) {
  const known = vitals.get(alertId);
  if (known !== undefined) return known;
  const holder = h('div', { class: 'vitals-holder', 'aria-busy': 'true' });
  vitals.set(alertId, holder);
  vitalsCharts(deviceId)
    .then((charts) => holder.replaceChildren(charts))
    .catch(() => holder.replaceChildren(h('p', { class: 'muted' }, t('vitals.unavailable'))))
    .finally(() => holder.removeAttribute('aria-busy'));
  return holder;
}
