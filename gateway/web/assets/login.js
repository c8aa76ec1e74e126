// @ts-check
import { byId, h } from './dom.js';
import { label, t } from './i18n.js';
import { ApiError, fetchMe, homeOf, openSession, signedIn, signOut } from './session.js';
import { mountShell } from './shell.js';

/*
 * Sign in by pasting a token, once per device: it opens a device session (an http-only cookie)
 * and is then forgotten. The gateway says whose it is (GET /api/me); the role decides the first
 * page. A `next` path brings the person back where the sign-in interrupted them.
 */

mountShell('login', null);

const form = byId('login-form', HTMLFormElement);
const input = byId('token', HTMLInputElement);
const submit = byId('login-submit', HTMLButtonElement);
const message = byId('login-message', HTMLParagraphElement);

/** @param {string} text */
function say(text) {
  message.textContent = text;
  message.hidden = false;
}

/** Only a path on this gateway: a `next` pointing elsewhere is ignored. */
function nextPath() {
  const next = new URLSearchParams(location.search).get('next');
  return next !== null && next.startsWith('/') && !next.startsWith('//') ? next : null;
}

/**
 * On to the page asked for, else the role's own; a role with no web page is told so here, with a
 * way to sign out, instead of being sent round between pages.
 * @param {import('./types.js').Me} me
 */
function goOn(me) {
  const home = homeOf(me.role);
  if (home === null) {
    say(t('login.noWebPage', { role: label('role', me.role) }));
    const out = h('button', { type: 'button', id: 'login-sign-out' }, t('nav.signOut'));
    out.addEventListener('click', () => void signOut('here'));
    message.after(out);
    return;
  }
  location.assign(nextPath() ?? home);
}

/** Already signed in on this device: straight on; otherwise wait for a token. */
function continueIfSignedIn() {
  if (signedIn()) {
    fetchMe()
      .then(goOn)
      .catch(() => input.focus());
  } else {
    input.focus();
  }
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const token = input.value.trim();
  if (token === '') {
    continueIfSignedIn();
    return;
  }
  submit.disabled = true;
  say(t('login.checking'));
  openSession(token)
    .then(() => fetchMe())
    .then((me) => {
      input.value = '';
      submit.disabled = false;
      goOn(me);
    })
    .catch((/** @type {unknown} */ err) => {
      say(err instanceof ApiError && err.status === 401 ? t('login.refused') : t('login.unreachable'));
      submit.disabled = false;
      input.select();
    });
});

continueIfSignedIn();
