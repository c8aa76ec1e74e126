import type { FastifyPluginAsync } from 'fastify';
import type { HttpDeps } from '../deps.js';

/** Probes and scrapes come every few seconds: a log line per request would bury the rest. */
const QUIET = 'warn';

export const healthRoutes: FastifyPluginAsync<HttpDeps> = async (app, deps) => {
  app.get('/healthz', { logLevel: QUIET, config: { public: true }, schema: { tags: ['health'], security: [] } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { logLevel: QUIET, config: { public: true }, schema: { tags: ['health'], security: [] } }, async (_request, reply) => {
    const readiness = deps.readiness();
    return reply.status(readiness.ready ? 200 : 503).send({ status: readiness.ready ? 'ready' : 'not_ready', checks: readiness.checks });
  });

  app.get('/metrics', { logLevel: QUIET, config: { roles: ['admin'] }, schema: { tags: ['health'] } }, async (_request, reply) => {
    reply.header('content-type', deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });
};
