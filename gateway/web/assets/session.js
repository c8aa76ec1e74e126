// @ts-check
import { syncClock } from './format.js';

/** @typedef {import('./types.js').Me} Me */
/** @typedef {import('./types.js').Role} Role */

/*
 * The signed-in person: their bearer token, kept in sessionStorage (this tab only, gone when it
 * closes), and who the gateway says they are.
 */

const TOKEN_KEY = 'gw.token';

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

export function storedToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

/** @param {string} token */
export function keepToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  location.assign('/');
}

/** Back to the sign-in page, coming back here afterwards. */
function toSignIn() {
  sessionStorage.removeItem(TOKEN_KEY);
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
 * Calls the gateway's API with the token. A 401 means the token was revoked: sign in again.
 * @template T
 * @param {string} path
 * @param {{ method?: string, body?: unknown, token?: string | null, signInOnRefusal?: boolean }} [options]
 * @returns {Promise<T>}
 */
export async function api(path, options = {}) {
  const token = options.token === undefined ? storedToken() : options.token;
  /** @type {Record<string, string>} */
  const headers = { accept: 'application/json' };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method: options.method ?? 'GET',
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
  const me = await api('/api/me', { token: token ?? storedToken(), signInOnRefusal: false });
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
  if (storedToken() === null) {
    toSignIn();
    return undefined;
  }
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
    location.assign(homeOf(me.role));
    return undefined;
  }
  return me;
}

/**
 * The page each role starts on.
 * @param {Role} role
 */
export function homeOf(role) {
  switch (role) {
    case 'admin':
    case 'worker':
      return '/console';
    case 'bureau':
      return '/board';
    case 'responder':
      return '/map';
  }
}
