// @ts-check
import { knownWalkingRoute } from './alert-route.js';
import { h } from './dom.js';
import { formatDistance } from './format.js';
import { t } from './i18n.js';

/** @typedef {import('./types.js').AlertView} AlertView */
/** @typedef {import('./types.js').AlertContext} AlertContext */

/*
 * Act in one tap: a bar fixed to the bottom of a phone's screen (sticky under the alert on a desk)
 * with "I am on it", call the family, call the doctor, go to the nearest usable AED, and resolve.
 * It never needs a scroll, whatever the text size.
 */

/**
 * @typedef {object} ActionBar
 * @property {HTMLElement} root
 * @property {HTMLButtonElement} ack
 * @property {HTMLButtonElement} resolve
 * @property {(alert: AlertView, context: AlertContext | null) => void} fill
 */

/**
 * A link that looks like a button, or a disabled button saying why it cannot be used.
 * @param {string} action
 * @param {string} icon
 * @param {string} text
 * @param {string | null} href
 * @param {string} why
 */
function linkAction(action, icon, text, href, why) {
  if (href === null) return h('button', { type: 'button', class: 'act', disabled: true, 'data-action': action, title: why }, h('span', { class: 'act-icon', 'aria-hidden': 'true' }, icon), h('span', { class: 'act-text' }, text));
  return h('a', { class: 'act', href, 'data-action': action }, h('span', { class: 'act-icon', 'aria-hidden': 'true' }, icon), h('span', { class: 'act-text' }, text));
}

/** @returns {ActionBar} */
export function createActionBar() {
  const ack = h('button', { type: 'button', class: 'act act-primary', 'data-action': 'ack' }, h('span', { class: 'act-icon', 'aria-hidden': 'true' }, '➤'), h('span', { class: 'act-text' }, t('alert.ack')));
  const resolve = h('button', { type: 'button', class: 'act', 'data-action': 'resolve' }, h('span', { class: 'act-icon', 'aria-hidden': 'true' }, '✓'), h('span', { class: 'act-text' }, t('alert.resolve')));
  const links = h('span', { class: 'act-links' });
  const root = h('nav', { class: 'action-bar', 'aria-label': t('act.bar') }, ack, links, resolve);
  return {
    root,
    ack,
    resolve,
    fill: (alert, context) => {
      const familyPhone = context?.contacts.flatMap((c) => c.phones)[0] ?? null;
      const doctorPhone = context?.doctor?.phones[0] ?? null;
      const aed = context?.nearestAeds[0] ?? null;
      // geo: opens the phone's own map app with directions; the label says it is a straight line.
      const aedHref = aed === null ? null : `geo:${aed.lat},${aed.lon}?q=${aed.lat},${aed.lon}`;
      const aedLink = linkAction('to-aed', '♥', aed === null ? t('act.toAed') : `${t('act.toAed')} ${formatDistance(aed.distanceM).replace(' ', '\u00a0')}`, aedHref, t('act.noAed'));
      // The walking route when the alert view already has it (the bar is drawn again on every change), else the straight line.
      if (aed !== null) aedLink.setAttribute('title', knownWalkingRoute(alert.id) ?? t('map.straightLine', { distance: formatDistance(aed.distanceM) }));
      const parts = [];
      if (context?.resident !== null && context?.resident !== undefined) {
        parts.push(linkAction('call-family', '☎', t('act.callFamily'), familyPhone === null ? null : `tel:${familyPhone}`, t('act.noPhone')));
        if (doctorPhone !== null || context.doctor !== undefined) parts.push(linkAction('call-doctor', '⚕', t('act.callDoctor'), doctorPhone === null ? null : `tel:${doctorPhone}`, t('act.noPhone')));
      }
      if (alert.kind !== 'aqhi_high') parts.push(aedLink);
      links.replaceChildren(...parts);
      ack.hidden = alert.state !== 'open';
      resolve.hidden = alert.state === 'resolved';
      root.hidden = alert.state === 'resolved' && parts.length === 0;
    },
  };
}
