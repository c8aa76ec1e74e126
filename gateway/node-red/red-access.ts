import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { HTTP_ERRORS, type HttpErrorCode } from '../errors/http-errors.js';
import type { LoginBackoff } from '../auth/login-backoff.js';
import type { Principal, TokenStore } from '../auth/token-store.js';
import type { GatewayMetrics } from '../metrics.js';

export const RED_ROOT = '/red';
/** Where the flows' own HTTP endpoints (`http in` nodes) live. */
export const NODE_ROOT = `${RED_ROOT}/api`;
export const SESSION_COOKIE = 'gw_red_session';
/** Set by the gate on the requests it lets through to Node-RED's admin side, for adminAuth's `tokens` check. */
export const PROOF_HEADER = 'x-gateway-red-proof';
const LOGIN_BODY_LIMIT_BYTES = 8 * 1024;
const MAX_SESSIONS = 256;

type Outcome = { ok: true; principal: Principal } | { ok: false; code: HttpErrorCode; message: string };

interface Session {
  /** The admin token the browser logged in with: checked again on every request, so revoking it ends the session. */
  token: string;
  expiresAtMs: number;
}

export interface RedAccessDeps {
  tokens: Pick<TokenStore, 'resolve'>;
  metrics: GatewayMetrics;
  log: Logger;
  sessionTtlS: number;
  now?: () => number;
  /** Wrong admin tokens per address, shared with the API: a guesser waits here as there. */
  loginBackoff?: Pick<LoginBackoff, 'waitMs' | 'failed'>;
}

/**
 * The only way into Node-RED (editor, admin API, comms socket and the flows' own HTTP endpoints
 * under /red/api): the gateway's admin bearer token, or a browser session started with it on
 * /red/login and kept in an HttpOnly cookie. Node-RED itself runs with adminAuth and accepts
 * only requests carrying a per-process proof that this gate adds, so nothing reaches it around
 * the gate. Gateway credentials are removed before Node-RED sees the request, so a flow's
 * `http in` node never learns the admin token.
 */
export class RedAccess {
  readonly proof = randomBytes(32).toString('base64url');
  private readonly sessions = new Map<string, Session>();
  private readonly now: () => number;

  constructor(private readonly deps: RedAccessDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Node-RED's adminAuth `tokens` function: only the gate's proof is a user. */
  readonly adminAuthTokens = (token: string): Promise<{ username: string; permissions: string } | null> => {
    const given = Buffer.from(String(token));
    const expected = Buffer.from(this.proof);
    return Promise.resolve(given.length === expected.length && timingSafeEqual(given, expected) ? { username: 'gateway-admin', permissions: '*' } : null);
  };

  /** The express middleware mounted at /red, ahead of everything else there. */
  readonly middleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void): void => {
    delete req.headers[PROOF_HEADER];
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/login') {
      this.handleLogin(req, res).catch(next);
      return;
    }
    if (path === '/logout') {
      this.handleLogout(req, res);
      return;
    }
    if (req.headers.authorization !== undefined && this.backingOff(req, res)) return;
    this.authenticate(req.headers).then((outcome) => {
      if (!outcome.ok) {
        this.refuse(req, res, outcome);
        return;
      }
      this.admit(req, `${RED_ROOT}${path}`);
      next();
    }, next);
  };

  /** For WebSocket upgrades under /red (the editor's comms, websocket nodes): the same check as HTTP. */
  async admitUpgrade(req: IncomingMessage): Promise<Outcome> {
    delete req.headers[PROOF_HEADER];
    if (req.headers.authorization !== undefined && this.waitMs(req) > 0) {
      this.deps.metrics.httpAuthFailures.inc({ status: '429' });
      return { ok: false, code: 'GW_ERR_AUTH_BACKOFF', message: 'too many wrong tokens from this address' };
    }
    const outcome = await this.authenticate(req.headers);
    if (outcome.ok) this.admit(req, (req.url ?? '/').split('?')[0]!);
    else {
      this.deps.metrics.httpAuthFailures.inc({ status: String(HTTP_ERRORS[outcome.code].status) });
      if (outcome.code === 'GW_ERR_AUTH_BAD_TOKEN') this.deps.loginBackoff?.failed(req.socket.remoteAddress ?? '');
    }
    return outcome;
  }

  async authenticate(headers: IncomingHttpHeaders): Promise<Outcome> {
    const authorization = headers.authorization;
    let token: string | undefined;
    if (authorization !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(authorization);
      if (match === null) return { ok: false, code: 'GW_ERR_AUTH_MISSING_TOKEN', message: 'use "Authorization: Bearer <admin token>" or log in at /red/login' };
      token = match[1]!;
    } else {
      const sessionId = readCookie(headers.cookie, SESSION_COOKIE);
      const session = sessionId === undefined ? undefined : this.sessions.get(sessionId);
      if (session !== undefined && session.expiresAtMs > this.now()) token = session.token;
      else if (sessionId !== undefined) this.sessions.delete(sessionId);
    }
    if (token === undefined) return { ok: false, code: 'GW_ERR_AUTH_MISSING_TOKEN', message: 'Node-RED needs the admin login: log in at /red/login, or send "Authorization: Bearer <admin token>"' };
    const principal = await this.deps.tokens.resolve(token);
    if (principal === undefined) return { ok: false, code: 'GW_ERR_AUTH_BAD_TOKEN', message: 'the token is unknown or revoked' };
    if (principal.role !== 'admin') return { ok: false, code: 'GW_ERR_AUTH_FORBIDDEN', message: `the ${principal.role} role may not use Node-RED` };
    return { ok: true, principal };
  }

  /** Ends every browser session (the gateway stops). */
  clear(): void {
    this.sessions.clear();
  }

  /** Strips the gateway's credentials; the proof goes to Node-RED's admin side only, never to a flow's endpoint. */
  private admit(req: IncomingMessage, absolutePath: string): void {
    delete req.headers.authorization;
    const others = (req.headers.cookie ?? '')
      .split(';')
      .map((c) => c.trim())
      .filter((c) => c !== '' && !c.startsWith(`${SESSION_COOKIE}=`));
    if (others.length > 0) req.headers.cookie = others.join('; ');
    else delete req.headers.cookie;
    // Flows see rawHeaders too (msg.req.rawHeaders).
    const raw: string[] = [];
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i]!.toLowerCase();
      if (name !== 'authorization' && name !== 'cookie' && name !== PROOF_HEADER) raw.push(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
    }
    if (req.headers.cookie !== undefined) raw.push('Cookie', req.headers.cookie);
    req.rawHeaders = raw;
    const lower = absolutePath.toLowerCase();
    if (lower !== NODE_ROOT && !lower.startsWith(`${NODE_ROOT}/`)) req.headers[PROOF_HEADER] = this.proof;
  }

  private refuse(req: IncomingMessage, res: ServerResponse, outcome: Extract<Outcome, { ok: false }>): void {
    const status = HTTP_ERRORS[outcome.code].status;
    this.deps.metrics.httpAuthFailures.inc({ status: String(status) });
    if (outcome.code === 'GW_ERR_AUTH_BAD_TOKEN') this.deps.loginBackoff?.failed(req.socket.remoteAddress ?? '');
    if (outcome.code !== 'GW_ERR_AUTH_MISSING_TOKEN') this.deps.log.warn({ ip: req.socket.remoteAddress, url: req.url, code: outcome.code }, 'Node-RED access refused');
    if (req.method === 'GET' && wantsHtml(req) && status === 401) {
      sendHtml(res, 401, loginPage(null));
      return;
    }
    sendJson(res, status, { error: outcome.code, message: outcome.message });
  }

  private async handleLogin(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'GET') {
      sendHtml(res, 200, loginPage(null));
      return;
    }
    if (req.method !== 'POST') {
      sendJson(res, 400, { error: 'GW_ERR_HTTP_BAD_REQUEST', message: 'use GET for the login page or POST the admin token' });
      return;
    }
    if (this.backingOff(req, res)) return;
    const isForm = (req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded');
    let token: string | undefined;
    try {
      const body = await readBody(req, LOGIN_BODY_LIMIT_BYTES);
      token = isForm ? (new URLSearchParams(body).get('token') ?? undefined) : (JSON.parse(body) as { token?: unknown }).token?.toString();
    } catch {
      sendJson(res, 400, { error: 'GW_ERR_HTTP_BAD_REQUEST', message: 'send {"token": "<admin token>"} as JSON or token=<admin token> as a form' });
      return;
    }
    const principal = token === undefined ? undefined : await this.deps.tokens.resolve(token.trim());
    if (token === undefined || principal?.role !== 'admin') {
      this.deps.metrics.httpAuthFailures.inc({ status: '401' });
      this.deps.loginBackoff?.failed(req.socket.remoteAddress ?? '');
      this.deps.log.warn({ ip: req.socket.remoteAddress }, 'Node-RED login refused');
      if (isForm) sendHtml(res, 401, loginPage('That is not an admin token.'));
      else sendJson(res, 401, { error: 'GW_ERR_AUTH_BAD_TOKEN', message: 'not an admin token' });
      return;
    }
    const sessionId = this.startSession(token.trim());
    const cookie = `${SESSION_COOKIE}=${sessionId}; Path=${RED_ROOT}; HttpOnly; SameSite=Strict; Max-Age=${this.deps.sessionTtlS}${isSecure(req) ? '; Secure' : ''}`;
    this.deps.log.info({ ip: req.socket.remoteAddress, tokenId: principal.tokenId }, 'Node-RED editor login');
    if (isForm) res.writeHead(303, { 'set-cookie': cookie, location: `${RED_ROOT}/`, 'cache-control': 'no-store' }).end();
    else res.writeHead(204, { 'set-cookie': cookie, 'cache-control': 'no-store' }).end();
  }

  private waitMs(req: IncomingMessage): number {
    return this.deps.loginBackoff?.waitMs(req.socket.remoteAddress ?? '') ?? 0;
  }

  /** Answers 429 while the caller's address waits after wrong tokens; true when it did. */
  private backingOff(req: IncomingMessage, res: ServerResponse): boolean {
    const waitMs = this.waitMs(req);
    if (waitMs === 0) return false;
    this.deps.metrics.httpAuthFailures.inc({ status: '429' });
    const retryAfterS = Math.ceil(waitMs / 1000);
    res.setHeader('retry-after', String(retryAfterS));
    sendJson(res, 429, { error: 'GW_ERR_AUTH_BACKOFF', message: `too many wrong tokens from this address; try again in ${retryAfterS} s` });
    return true;
  }

  private handleLogout(req: IncomingMessage, res: ServerResponse): void {
    const sessionId = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (sessionId !== undefined) this.sessions.delete(sessionId);
    res.writeHead(303, { 'set-cookie': `${SESSION_COOKIE}=; Path=${RED_ROOT}; HttpOnly; SameSite=Strict; Max-Age=0`, location: `${RED_ROOT}/login`, 'cache-control': 'no-store' }).end();
  }

  private startSession(token: string): string {
    const nowMs = this.now();
    for (const [id, session] of this.sessions) if (session.expiresAtMs <= nowMs) this.sessions.delete(id);
    if (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    const id = randomBytes(32).toString('base64url');
    this.sessions.set(id, { token, expiresAtMs: nowMs + this.deps.sessionTtlS * 1000 });
    return id;
  }
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Reads a small request body; rejects beyond the limit. */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // The rest is read and dropped; the caller answers 413 and Node closes the connection.
      if (size > limitBytes) reject(new Error('body too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function sendJson(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res
    .writeHead(status, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    })
    .end(html);
}

function wantsHtml(req: IncomingMessage): boolean {
  return (req.headers.accept ?? '').includes('text/html');
}

function isSecure(req: IncomingMessage): boolean {
  return (req.socket as { encrypted?: boolean }).encrypted === true || req.headers['x-forwarded-proto'] === 'https';
}

function loginPage(problem: string | null): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Flows · sign in</title>
<style>body{font-family:system-ui,sans-serif;max-width:26rem;margin:4rem auto;padding:0 1rem;color:#222}
label{display:block;margin:1rem 0 .3rem}input{width:100%;padding:.5rem;font:inherit;box-sizing:border-box}
button{margin-top:1rem;padding:.5rem 1.2rem;font:inherit}.problem{color:#a00}</style></head>
<body><h1>Flows (Node-RED)</h1>
<p>The flow editor is for gateway administrators. Sign in with the admin token.</p>
${problem === null ? '' : `<p class="problem" role="alert">${problem}</p>`}
<form method="post" action="${RED_ROOT}/login">
<label for="token">Admin token</label><input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Sign in</button></form></body></html>`;
}
