// @ts-check
import { byId } from './dom.js';
import { t } from './i18n.js';
import { ApiError, fetchMe, homeOf, openSession, signedIn } from './session.js';
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

/** Already signed in on this device: straight on; otherwise wait for a token. */
function continueIfSignedIn() {
  if (signedIn()) {
    fetchMe()
      .then((me) => location.assign(nextPath() ?? homeOf(me.role)))
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
      location.assign(nextPath() ?? homeOf(me.role));
    })
    .catch((/** @type {unknown} */ err) => {
      say(err instanceof ApiError && err.status === 401 ? t('login.refused') : t('login.unreachable'));
      submit.disabled = false;
      input.select();
    });
});

continueIfSignedIn();
