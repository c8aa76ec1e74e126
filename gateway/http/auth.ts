import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from './errors.js';
import type { HttpDeps } from './deps.js';
import type { StreamTickets } from './stream-tickets.js';
import type { Principal, Role } from './token-store.js';

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
export function registerAuth(app: FastifyInstance, deps: Pick<HttpDeps, 'tokens' | 'metrics' | 'loginBackoff'>, streamTickets: StreamTickets): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const config = request.routeOptions.config;
    if (config.public === true || request.url.startsWith('/docs')) return;
    if (request.routeOptions.url === undefined) return; // 404s answer as such
    const header = request.headers.authorization;
    const ticket = config.streamTicket === true && header === undefined ? ticketOf(request) : undefined;
    if (header !== undefined || ticket !== undefined) refuseWhileBackingOff(request, reply);
    if (ticket !== undefined) {
      const holder = streamTickets.redeem(ticket);
      if (holder === undefined) {
        failed(request);
        request.log.warn({ ip: request.ip, route: request.routeOptions.url }, 'unknown, spent or expired stream ticket');
        throw new HttpError('GW_ERR_AUTH_BAD_TICKET', 'the stream ticket is unknown, spent or expired; ask POST /api/stream-tickets for a new one');
      }
      authorize(request, holder);
      return;
    }
    if (header === undefined || !/^Bearer\s+\S+$/i.test(header)) {
      deps.metrics.httpAuthFailures.inc({ status: '401' });
      throw new HttpError('GW_ERR_AUTH_MISSING_TOKEN', 'this route needs an "Authorization: Bearer <token>" header');
    }
    const principal = deps.tokens.resolve(header.replace(/^Bearer\s+/i, ''));
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

function ticketOf(request: FastifyRequest): string | undefined {
  const value = (request.query as Record<string, unknown> | undefined)?.ticket;
  return typeof value === 'string' && value !== '' ? value : undefined;
}
