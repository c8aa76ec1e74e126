// @ts-check
import { language, t } from './i18n.js';
import { ApiError } from './session.js';

/*
 * A failed call in the reader's language: the sentence for the error's stable code from the
 * gateway's error registry (served beside these assets), never the server's English message;
 * a plain general sentence for a code the registry does not hold, or no answer at all.
 */

/** @typedef {Record<string, { en: string, zh: string }>} ErrorTexts */

/** @type {Promise<ErrorTexts> | undefined} */
let texts;

/** Fetched once, early, so a page can explain a failure even when the network later goes. */
function errorTexts() {
  texts ??= fetch(new URL('./error-texts.json', import.meta.url), { credentials: 'same-origin' })
    .then((response) => (response.ok ? /** @type {Promise<ErrorTexts>} */ (response.json()) : {}))
    .catch(() => ({}));
  return texts;
}
void errorTexts();

/**
 * The registry's meaning as a sentence: capital first letter, a full stop in English.
 * @param {string} text
 */
function asSentence(text) {
  const first = text.charAt(0).toUpperCase() + text.slice(1);
  return language() === 'zh' ? (/[。！？]$/.test(first) ? first : `${first}。`) : /[.!?]$/.test(first) ? first : `${first}.`;
}

/**
 * What went wrong, in the page's language.
 * @param {unknown} err
 * @returns {Promise<string>}
 */
export async function errorSentence(err) {
  const known = err instanceof ApiError ? (await errorTexts())[err.code] : undefined;
  return known === undefined ? t('error.unknown') : asSentence(known[language()]);
}
