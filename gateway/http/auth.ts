import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from './errors.js';
import type { HttpDeps } from './deps.js';
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
  }
}

/**
 * Every route needs a bearer token unless it says `config.public`; a route that names no roles
 * is admin-only, so forgetting to configure one fails closed.
 */
export function registerAuth(app: FastifyInstance, deps: Pick<HttpDeps, 'tokens' | 'metrics'>): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const config = request.routeOptions.config;
    if (config.public === true || request.url.startsWith('/docs')) return;
    if (request.routeOptions.url === undefined) return; // 404s answer as such
    const header = request.headers.authorization;
    if (header === undefined || !/^Bearer\s+\S+$/i.test(header)) {
      deps.metrics.httpAuthFailures.inc({ status: '401' });
      throw new HttpError('GW_ERR_AUTH_MISSING_TOKEN', 'this route needs an "Authorization: Bearer <token>" header');
    }
    const principal = deps.tokens.resolve(header.replace(/^Bearer\s+/i, ''));
    if (principal === undefined) {
      deps.metrics.httpAuthFailures.inc({ status: '401' });
      request.log.warn({ ip: request.ip, route: request.routeOptions.url }, 'unknown or revoked token');
      throw new HttpError('GW_ERR_AUTH_BAD_TOKEN', 'the bearer token is unknown or revoked');
    }
    const roles = config.roles ?? ['admin'];
    if (!roles.includes(principal.role)) {
      deps.metrics.httpAuthFailures.inc({ status: '403' });
      request.log.warn({ tokenId: principal.tokenId, role: principal.role, route: request.routeOptions.url }, 'role not allowed');
      throw new HttpError('GW_ERR_AUTH_FORBIDDEN', `the ${principal.role} role may not ${request.method} ${request.routeOptions.url}`);
    }
    request.principal = principal;
  });
}
