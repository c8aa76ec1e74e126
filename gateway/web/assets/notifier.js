// @ts-check
import { h } from './dom.js';
import { t } from './i18n.js';

/** @typedef {import('./types.js').AlertView} AlertView */
/** @typedef {import('./types.js').TimelineEntry} TimelineEntry */

/*
 * Noticed at once: a new critical alert or a re-page rings (a WebAudio beep), vibrates where the
 * phone can, and raises a system notification where permission is granted, even when the tab is
 * in the background. A visible switch turns it off; the choice is kept on this device.
 * `window.gwNotices` counts what was done, so a test (or a support call) can see it happened.
 */

const SOUND_KEY = 'gw.sound';

/** @type {{ sounds: number, notifications: number, vibrations: number, last: string | null }} */
const notices = { sounds: 0, notifications: 0, vibrations: 0, last: null };
Object.assign(window, { gwNotices: notices });

/** @type {AudioContext | undefined} */
let audio;

function soundOn() {
  return localStorage.getItem(SOUND_KEY) !== '0';
}

/** Browsers start audio only after a tap; any tap on the page readies it. */
function unlockAudio() {
  if (!soundOn()) return;
  audio ??= new AudioContext();
  if (audio.state === 'suspended') void audio.resume();
}

/** Three short high beeps: audible over a television, not a melody to mistake for a ringtone. */
function beep() {
  unlockAudio();
  if (audio === undefined || audio.state !== 'running') return false;
  const start = audio.currentTime + 0.02;
  for (let i = 0; i < 3; i++) {
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.type = 'square';
    tone.frequency.value = 1760;
    gain.gain.setValueAtTime(0.0001, start + i * 0.3);
    gain.gain.exponentialRampToValueAtTime(0.4, start + i * 0.3 + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + i * 0.3 + 0.2);
    tone.connect(gain).connect(audio.destination);
    tone.start(start + i * 0.3);
    tone.stop(start + i * 0.3 + 0.22);
  }
  return true;
}

/**
 * The switch for the top of the inbox.
 * @returns {HTMLElement}
 */
export function soundSwitch() {
  const input = h('input', { id: 'sound-on', type: 'checkbox', 'data-pref': 'sound' });
  input.checked = soundOn();
  input.addEventListener('change', () => {
    localStorage.setItem(SOUND_KEY, input.checked ? '1' : '0');
    if (input.checked) {
      unlockAudio();
      if ('Notification' in window && Notification.permission === 'default') void Notification.requestPermission();
    }
  });
  return h('label', { class: 'switch sound-switch', title: t('sound.label') }, input, ' ', h('span', {}, '♪ ', t('sound.on')));
}

addEventListener('pointerdown', unlockAudio, { capture: true });
addEventListener('keydown', unlockAudio, { capture: true });

/**
 * Rings, vibrates and notifies, if the switch is on.
 * @param {string} title
 * @param {string} body
 * @param {string} alertId
 */
export function notice(title, body, alertId) {
  notices.last = title;
  if (!soundOn()) return;
  if (beep()) notices.sounds++;
  if (typeof navigator.vibrate === 'function' && navigator.vibrate([300, 150, 300, 150, 300])) notices.vibrations++;
  if ('Notification' in window && Notification.permission === 'granted') {
    try {
      // One notification per alert: a repeat replaces the last rather than piling up.
      const shown = new Notification(title, { body, tag: alertId, requireInteraction: true });
      shown.addEventListener('click', () => {
        window.focus();
        location.hash = `#alert=${alertId}`;
      });
      notices.notifications++;
    } catch {
      // Some phones allow notifications only from a service worker; the sound still rang.
    }
  }
}

/**
 * What about this change deserves a notice: a new critical alert, or a re-page.
 * @param {AlertView | undefined} before
 * @param {AlertView} after
 * @returns {'new' | 'repaged' | null}
 */
export function noticeWorthy(before, after) {
  if (after.state !== 'open') return null;
  if (before === undefined) return after.severity === 'critical' && after.timeline.length > 0 ? 'new' : null;
  const added = after.timeline.slice(before.timeline.length);
  if (added.some((e) => e.type === 'repaged' || (e.type === 'escalated' && e.reason === 'repage'))) return 'repaged';
  if (before.severity !== 'critical' && after.severity === 'critical') return 'new';
  return null;
}
