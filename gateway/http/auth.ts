import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../errors/http-errors.js';
import type { HttpDeps } from './deps.js';
import type { StreamTickets } from './stream-tickets.js';
import type { DeviceSessions } from './device-sessions.js';
import { SESSION_COOKIE, CSRF_HEADER } from './session-cookies.js';
import type { Principal, Role } from '../auth/token-store.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** Open to anyone (health checks, the public index feed, docs). */
    public?: boolean;
    /** Roles allowed; when absent on a non-public route, admin only. */
    roles?: readonly Role[];
    /**
     * An event stream a browser opens with EventSource, which cannot send headers: it also takes
     * `?ticket=` from `POST /api/stream-tickets`. No other route accepts a credential in the URL.
     */
    streamTicket?: boolean;
  }
}

/**
 * Every route needs a bearer token unless it says `config.public`; a route that names no roles
 * is admin-only, so forgetting to configure one fails closed.
 */
export function registerAuth(
  app: FastifyInstance,
  deps: Pick<HttpDeps, 'tokens' | 'metrics' | 'loginBackoff'>,
  streamTickets: StreamTickets,
  sessions: DeviceSessions,
): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const config = request.routeOptions.config;
    if (config.public === true || request.url.startsWith('/docs')) return;
    if (request.routeOptions.url === undefined) return; // 404s answer as such
    const header = request.headers.authorization;
    const ticket = config.streamTicket === true && header === undefined ? ticketOf(request) : undefined;
    if (header !== undefined || ticket !== undefined) refuseWhileBackingOff(request, reply);
    if (ticket !== undefined) {
      const holder = await streamTickets.redeem(ticket);
      if (holder === undefined) {
        failed(request);
        request.log.warn({ ip: request.ip, route: request.routeOptions.url }, 'unknown, spent or expired stream ticket');
        throw new HttpError('GW_ERR_AUTH_BAD_TICKET', 'the stream ticket is unknown, spent or expired; ask POST /api/stream-tickets for a new one');
      }
      authorize(request, holder);
      return;
    }
    // A signed-in phone: its device-session cookie instead of a bearer header.
    const cookie = header === undefined ? request.cookies[SESSION_COOKIE] : undefined;
    if (cookie !== undefined && cookie !== '') {
      refuseWhileBackingOff(request, reply);
      const session = await sessions.resolve(cookie);
      if ('refused' in session) {
        // A cookie never issued is a guess, and backs off like a wrong token; an ended one is not.
        if (session.refused === 'unknown') failed(request);
        else deps.metrics.httpAuthFailures.inc({ status: '401' });
        request.log.warn({ ip: request.ip, route: request.routeOptions.url, reason: session.refused }, 'device session refused');
        throw new HttpError('GW_ERR_AUTH_SESSION_ENDED', `this device is signed out (${session.refused.replace('_', ' ')}); sign in again`);
      }
      if (!SAFE_METHODS.has(request.method) && (!sessions.csrfMatches(session, headerValue(request.headers[CSRF_HEADER])) || !sameOrigin(request))) {
        deps.metrics.httpAuthFailures.inc({ status: '403' });
        request.log.warn({ ip: request.ip, route: request.routeOptions.url, origin: request.headers.origin ?? null, sessionId: session.sessionId }, 'change refused: CSRF token or origin');
        throw new HttpError('GW_ERR_AUTH_CSRF', `a change from a signed-in browser needs the "${CSRF_HEADER}" header and this gateway's own origin`);
      }
      authorize(request, session);
      return;
    }
    if (header === undefined || !/^Bearer\s+\S+$/i.test(header)) {
      deps.metrics.httpAuthFailures.inc({ status: '401' });
      throw new HttpError('GW_ERR_AUTH_MISSING_TOKEN', 'this route needs an "Authorization: Bearer <token>" header');
    }
    const principal = await deps.tokens.resolve(header.replace(/^Bearer\s+/i, ''));
    if (principal === undefined) {
      failed(request);
      request.log.warn({ ip: request.ip, route: request.routeOptions.url }, 'unknown or revoked token');
      throw new HttpError('GW_ERR_AUTH_BAD_TOKEN', 'the bearer token is unknown or revoked');
    }
    authorize(request, principal);
  });

  /** A wrong token or ticket: counted, and the address's back-off grows. */
  function failed(request: FastifyRequest): void {
    deps.metrics.httpAuthFailures.inc({ status: '401' });
    const waitMs = deps.loginBackoff.failed(request.ip);
    if (waitMs > 0) request.log.warn({ ip: request.ip, waitMs }, 'wrong credentials again; the address waits');
  }

  function refuseWhileBackingOff(request: FastifyRequest, reply: FastifyReply): void {
    const waitMs = deps.loginBackoff.waitMs(request.ip);
    if (waitMs === 0) return;
    deps.metrics.httpAuthFailures.inc({ status: '429' });
    const retryAfterS = Math.ceil(waitMs / 1000);
    reply.header('retry-after', String(retryAfterS));
    throw new HttpError('GW_ERR_AUTH_BACKOFF', `too many wrong tokens from this address; try again in ${retryAfterS} s`);
  }

  function authorize(request: FastifyRequest, principal: Principal): void {
    const roles = request.routeOptions.config.roles ?? ['admin'];
    if (!roles.includes(principal.role)) {
      deps.metrics.httpAuthFailures.inc({ status: '403' });
      request.log.warn({ tokenId: principal.tokenId, role: principal.role, route: request.routeOptions.url }, 'role not allowed');
      throw new HttpError('GW_ERR_AUTH_FORBIDDEN', `the ${principal.role} role may not ${request.method} ${request.routeOptions.url}`);
    }
    request.principal = principal;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** A browser names the page's origin on a change; it must be this gateway's own (a missing one is a same-origin fetch of an old browser, and the CSRF token still holds). */
function sameOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

function ticketOf(request: FastifyRequest): string | undefined {
  const value = (request.query as Record<string, unknown> | undefined)?.ticket;
  return typeof value === 'string' && value !== '' ? value : undefined;
}
