// @ts-check
import { syncClock } from './format.js';

/** @typedef {import('./types.js').Me} Me */
/** @typedef {import('./types.js').Role} Role */

/*
 * The signed-in person. The pasted token is used once, to open a device session
 * (POST /api/sessions); from then on an http-only cookie the page never sees signs each request,
 * and the phone stays signed in until the person signs out or leaves it unused for two weeks.
 * Changes carry the session's CSRF token (the readable gw_csrf cookie) in a header.
 */

export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message
   */
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/** The session's CSRF token, from its readable cookie; null when not signed in. */
function csrfToken() {
  const match = /(?:^|;\s*)gw_csrf=([^;]+)/.exec(document.cookie);
  return match?.[1] === undefined ? null : decodeURIComponent(match[1]);
}

/** Whether this browser holds a device session (its CSRF cookie is the visible half). */
export function signedIn() {
  return csrfToken() !== null;
}

/**
 * Opens this device's session with a pasted token.
 * @param {string} token
 */
export async function openSession(token) {
  await api('/api/sessions', { method: 'POST', token, body: { device: navigator.userAgent.slice(0, 200) }, signInOnRefusal: false });
}

/**
 * Signs this device out, or every device of this person.
 * @param {'here' | 'everywhere'} [where]
 */
export async function signOut(where = 'here') {
  await api(where === 'here' ? '/api/sessions/current' : '/api/sessions', { method: 'DELETE', signInOnRefusal: false }).catch(() => undefined);
  location.assign('/');
}

/** Back to the sign-in page, coming back here afterwards. */
function toSignIn() {
  location.assign(`/?next=${encodeURIComponent(location.pathname + location.hash)}`);
}

/**
 * The JSON body, or null for an empty one or one that is not JSON (a proxy's error page).
 * @param {string} text
 * @returns {any}
 */
function parseJson(text) {
  try {
    return text === '' ? null : JSON.parse(text);
  } catch {
    return null;
  }
}

/**
 * Calls the gateway's API as the signed-in device (or with a token, when one is given). A 401
 * means the session ended: sign in again.
 * @template T
 * @param {string} path
 * @param {{ method?: string, body?: unknown, token?: string | null, signInOnRefusal?: boolean }} [options]
 * @returns {Promise<T>}
 */
export async function api(path, options = {}) {
  const token = options.token ?? null;
  const method = options.method ?? 'GET';
  /** @type {Record<string, string>} */
  const headers = { accept: 'application/json' };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const csrf = csrfToken();
  if (token === null && csrf !== null && method !== 'GET') headers['x-csrf-token'] = csrf;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  const body = parseJson(text);
  if (!response.ok) {
    if (response.status === 401 && options.signInOnRefusal !== false) toSignIn();
    const code = typeof body?.error === 'string' ? body.error : `HTTP_${response.status}`;
    throw new ApiError(response.status, code, typeof body?.message === 'string' ? body.message : response.statusText);
  }
  return /** @type {T} */ (body);
}

/**
 * Who the token speaks for; also sets the gateway clock for ages.
 * @param {string | null} [token]
 * @returns {Promise<Me>}
 */
export async function fetchMe(token) {
  /** @type {Me} */
  const me = await api('/api/me', { token: token ?? null, signInOnRefusal: false });
  syncClock(me.now);
  return me;
}

/**
 * The signed-in person if their role may use this page; otherwise off to sign in (no token, or
 * a revoked one) or to the page their role has (wrong role).
 * @param {readonly Role[]} roles
 * @returns {Promise<Me | undefined>}
 */
export async function requireSession(roles) {
  let me;
  try {
    me = await fetchMe();
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      toSignIn();
      return undefined;
    }
    throw err;
  }
  if (!roles.includes(me.role)) {
    // A role with no page goes to the sign-in page, which says so (never round in a loop).
    location.assign(homeOf(me.role) ?? '/');
    return undefined;
  }
  return me;
}

/**
 * The page each role starts on; null for a role with no web page (none today; the sign-in page
 * would say so). A family doctor's is their patients: the console's streams and the map are not theirs.
 * @param {Role} role
 * @returns {string | null}
 */
export function homeOf(role) {
  switch (role) {
    case 'admin':
    case 'worker':
      return '/console';
    case 'bureau':
      return '/board';
    case 'responder':
    case 'dispatcher':
      return '/map';
    case 'doctor':
      return '/doctor';
    case 'family':
      return '/family';
  }
}
