// @ts-check
import { failureText, personName, timelineNote, timelineText } from './alert-text.js';
import { h } from './dom.js';
import { formatTime } from './format.js';
import { label, plural, t } from './i18n.js';

/** @typedef {import('./types.js').AlertView} AlertView */
/** @typedef {import('./types.js').TimelineEntry} TimelineEntry */
/** @typedef {import('./types.js').Me} Me */

/*
 * The timeline as a person reads it: each page sent is one line with its outcome ("Wang Fang by
 * app push: not reached, 3 attempts"), however many retries it took; the pager's own error text
 * sits folded under it for whoever has to fix the channel.
 */

/**
 * @typedef {object} PageGroup
 * @property {'page'} kind
 * @property {string} at
 * @property {string} to
 * @property {string} channel
 * @property {number} failures
 * @property {boolean} delivered
 * @property {string[]} errors
 * @property {(string | undefined)[]} codes
 */

/**
 * Folds each page's delivery and failure entries into the page they belong to.
 * @param {readonly TimelineEntry[]} timeline
 * @returns {(TimelineEntry | PageGroup)[]}
 */
export function groupPages(timeline) {
  /** @type {(TimelineEntry | PageGroup)[]} */
  const items = [];
  /** The latest page to each person on each channel. @type {Map<string, PageGroup>} */
  const open = new Map();
  for (const entry of timeline) {
    if (entry.type !== 'paged' && entry.type !== 'delivered' && entry.type !== 'failed') {
      items.push(entry);
      continue;
    }
    const key = `${entry.to ?? ''}\u0000${entry.channel ?? ''}`;
    let group = open.get(key);
    // A page sent again before the last one came to anything is the same line, with more attempts.
    const settled = group === undefined || group.delivered || group.failures > 0;
    if ((entry.type === 'paged' && settled) || group === undefined) {
      group = { kind: 'page', at: entry.at, to: entry.to ?? '', channel: entry.channel ?? '', failures: 0, delivered: false, errors: [], codes: [] };
      open.set(key, group);
      items.push(group);
    }
    if (entry.type === 'delivered') group.delivered = true;
    if (entry.type === 'failed') {
      group.failures++;
      if (entry.error !== undefined) group.errors.push(entry.error);
      group.codes.push(entry.code);
    }
  }
  return items;
}

/**
 * @param {PageGroup} group
 * @param {Me} me
 */
function pageText(group, me) {
  const params = { to: personName(group.to, me), channel: label('channel', group.channel) };
  if (group.delivered) return group.failures === 0 ? t('page.delivered', params) : t('page.deliveredAfter', { ...params, n: group.failures + 1 });
  if (group.failures > 0) return t('page.why', { page: plural('page.failed', group.failures, params), why: failureText(group.codes.at(-1)) });
  return t('page.sending', params);
}

/**
 * @param {AlertView} alert
 * @param {Me} me
 * @returns {HTMLLIElement[]}
 */
export function timelineItems(alert, me) {
  return groupPages(alert.timeline).map((item) => {
    if ('kind' in item) {
      const outcome = item.delivered ? 'delivered' : item.failures > 0 ? 'failed' : 'sending';
      return h(
        'li',
        { class: `tl tl-page tl-page-${outcome}`, 'data-type': 'page', 'data-outcome': outcome, 'data-attempts': item.failures + (item.delivered ? 1 : 0) },
        h('time', { datetime: item.at }, formatTime(item.at, { seconds: true })),
        h('span', { class: 'tl-text' }, pageText(item, me)),
        item.errors.length === 0
          ? null
          : h('details', { class: 'tl-errors' }, h('summary', {}, t('page.technical')), h('ul', {}, ...item.errors.map((error) => h('li', {}, error)))),
      );
    }
    const note = timelineNote(item);
    const bySystem = item.type === 'note' && (item.by === null || item.by === undefined);
    return h(
      'li',
      { class: `tl tl-${item.type}${bySystem ? ' tl-system-note' : ''}`, 'data-type': item.type },
      h('time', { datetime: item.at }, formatTime(item.at, { seconds: true })),
      h('span', { class: 'tl-text' }, timelineText(item, me)),
      note === null ? null : h('q', { class: 'tl-note' }, note),
      item.detail === undefined ? null : h('details', { class: 'tl-errors' }, h('summary', {}, t('page.technical')), h('p', {}, item.detail)),
    );
  });
}
