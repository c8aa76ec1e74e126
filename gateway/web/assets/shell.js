// @ts-check
import { byId, h } from './dom.js';
import { language, onLanguageChange, setLanguage, t, translatePage } from './i18n.js';
import { signOut } from './session.js';

/** @typedef {import('./types.js').Me} Me */
/** @typedef {'login' | 'console' | 'board' | 'map' | 'family' | 'doctor'} PageName */

/*
 * What every page shares: the top bar with the pages this person may open, the language, large
 * type and high contrast switches (many workers and residents are elderly), and sign in or out.
 */

const PREFERENCES = /** @type {const} */ ({ largeType: 'large-type', highContrast: 'high-contrast' });

/** @param {keyof typeof PREFERENCES} name */
function preference(name) {
  return localStorage.getItem(`gw.${name}`) === '1';
}

/**
 * @param {keyof typeof PREFERENCES} name
 * @param {boolean} on
 */
function setPreference(name, on) {
  localStorage.setItem(`gw.${name}`, on ? '1' : '0');
  document.documentElement.classList.toggle(PREFERENCES[name], on);
}

for (const name of /** @type {(keyof typeof PREFERENCES)[]} */ (Object.keys(PREFERENCES))) {
  document.documentElement.classList.toggle(PREFERENCES[name], preference(name));
}

/**
 * @param {PageName} page
 * @param {Me | null} me
 */
function navLinks(page, me) {
  /** @type {{ page: PageName, href: string, key: 'nav.console' | 'nav.board' | 'nav.map' | 'nav.family' | 'nav.doctor' }[]} */
  const links = [];
  if (me !== null && (me.role === 'admin' || me.role === 'worker')) links.push({ page: 'console', href: '/console', key: 'nav.console' });
  if (me !== null && me.role === 'family') links.push({ page: 'family', href: '/family', key: 'nav.family' });
  if (me !== null && me.role === 'doctor') links.push({ page: 'doctor', href: '/doctor', key: 'nav.doctor' });
  links.push({ page: 'board', href: '/board', key: 'nav.board' });
  if (me !== null && me.role !== 'family' && me.role !== 'doctor') links.push({ page: 'map', href: '/map', key: 'nav.map' });
  return links.map((link) => h('a', { href: link.href, 'aria-current': link.page === page ? 'page' : null }, t(link.key)));
}

/**
 * @param {keyof typeof PREFERENCES} name
 * @param {string} short
 * @param {'prefs.largeType' | 'prefs.highContrast'} key
 */
function toggle(name, short, key) {
  const button = h(
    'button',
    { type: 'button', class: 'pref', 'aria-pressed': String(preference(name)), title: t(key), 'data-pref': name },
    h('span', { 'aria-hidden': 'true', class: 'pref-icon' }, short),
    h('span', { class: 'pref-text' }, t(key)),
  );
  button.addEventListener('click', () => {
    const on = !preference(name);
    setPreference(name, on);
    button.setAttribute('aria-pressed', String(on));
  });
  return button;
}

/**
 * Draws the top bar into `#topbar` and keeps it in the current language.
 * @param {PageName} page
 * @param {Me | null} me
 */
export function mountShell(page, me) {
  const bar = byId('topbar', HTMLElement);
  const render = () => {
    const languageButton = h(
      'button',
      { type: 'button', class: 'pref', lang: language() === 'zh' ? 'en' : 'zh-CN', 'aria-label': t('prefs.languageLabel'), 'data-pref': 'language' },
      t('prefs.language'),
    );
    languageButton.addEventListener('click', () => setLanguage(language() === 'zh' ? 'en' : 'zh'));
    const account =
      me === null
        ? page === 'login'
          ? null
          : h('a', { class: 'pref', href: `/?next=${encodeURIComponent(location.pathname)}` }, t('nav.signIn'))
        : h(
            'details',
            { class: 'account' },
            h('summary', { class: 'pref', 'data-action': 'account' }, t('nav.signOut')),
            h(
              'div',
              { class: 'account-menu' },
              me.name === null ? null : h('p', { class: 'muted' }, me.name),
              h('button', { type: 'button', class: 'plain', onclick: () => void signOut('here'), 'data-action': 'sign-out' }, t('nav.signOut')),
              h('button', { type: 'button', class: 'plain', onclick: () => void signOut('everywhere'), 'data-action': 'sign-out-everywhere' }, t('nav.signOutEverywhere')),
            ),
          );
    bar.replaceChildren(
      h(
        'div',
        { class: 'topbar-row' },
        h('a', { class: 'brand', href: '/', 'aria-label': t('app.name') }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, '✚'), h('span', { class: 'brand-name' }, t('app.name'))),
        h('div', { class: 'prefs' }, languageButton, toggle('largeType', 'A+', 'prefs.largeType'), toggle('highContrast', '◐', 'prefs.highContrast'), account),
      ),
      ...(page === 'login' ? [] : [h('nav', { class: 'tabs', 'aria-label': t('app.name') }, ...navLinks(page, me))]),
    );
  };
  render();
  translatePage(document);
  onLanguageChange(render);
}
