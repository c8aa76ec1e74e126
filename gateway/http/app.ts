import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv, type ErrorObject } from 'ajv';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyError } from 'fastify';
import type { Logger } from 'pino';
import { HTTP_ERRORS, HttpError, type HttpErrorCode } from '../errors/http-errors.js';
import { storeUnavailable } from '../store/store-unavailable.js';
import { registerAuth } from './auth.js';
import type { HttpDeps } from './deps.js';
import { healthRoutes } from './routes/health-routes.js';
import { clusterRoutes } from './routes/cluster-routes.js';
import { tokenRoutes } from './routes/token-routes.js';
import { registryRoutes } from './routes/registry-routes.js';
import { deviceRoutes } from './routes/device-routes.js';
import { aqhiRoutes } from './routes/aqhi-routes.js';
import { alertRoutes } from './routes/alert-routes.js';
import { ackLinkRoutes } from './routes/ack-link-routes.js';
import { aedRoutes } from './routes/aed-routes.js';
import { drillRoutes } from './routes/drill-routes.js';
import { sessionRoutes } from './routes/session-routes.js';
import { mapRoutes } from './routes/map-routes.js';
import { mapWalkingRoute } from './routes/map-walking-route.js';
import { emergencyRoutes } from './routes/emergency-routes.js';
import { rescuePageRoutes } from './routes/rescue-page-routes.js';
import { webRoutes } from './routes/web-routes.js';
import { residentRoutes } from './routes/resident-routes.js';
import { neighbourhoodRoutes } from './routes/neighbourhood-routes.js';
import { doctorRoutes } from './routes/doctor-routes.js';
import { familyRoutes } from './routes/family-routes.js';
import { StreamTickets } from './stream-tickets.js';
import { DeviceSessions } from './device-sessions.js';
import fastifyCookie from '@fastify/cookie';
import { serializeRequest } from './request-log.js';

export type GatewayHttp = FastifyInstance<any, any, any, FastifyBaseLogger, TypeBoxTypeProvider>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * The HTTP app as a plugin tree; it never listens (gateway/main.ts does), so tests use inject().
 * Tiers: docs, then auth, then routes.
 */
export async function buildHttpApp(deps: HttpDeps, log: Logger): Promise<GatewayHttp> {
  const app = Fastify({
    loggerInstance: log.child({ component: 'http' }, { serializers: { req: serializeRequest } }) as FastifyBaseLogger,
    bodyLimit: deps.bodyLimitBytes,
    // An ack link's signed token is one path parameter (ids are held to 64 by their schemas).
    routerOptions: { maxParamLength: 500 },
    // Unknown fields are refused, not silently removed, and a body's types are not coerced.
    schemaErrorFormatter: (errors, dataVar) => new Error(formatSchemaErrors(errors as ErrorObject[], dataVar)),
  }).withTypeProvider<TypeBoxTypeProvider>();

  const bodyAjv = new Ajv({ allErrors: true, removeAdditional: false, useDefaults: true, coerceTypes: false, strict: false });
  const paramsAjv = new Ajv({ allErrors: true, removeAdditional: false, useDefaults: true, coerceTypes: 'array', strict: false });
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? bodyAjv : paramsAjv).compile(schema));

  app.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
    if (error instanceof HttpError) {
      return reply.status(error.statusCode).send({ error: error.code, message: error.message });
    }
    if (error.validation !== undefined) {
      return reply.status(400).send({ error: 'GW_ERR_HTTP_BAD_REQUEST', message: error.message });
    }
    const status = error.statusCode ?? 500;
    if (status < 500) {
      const code: HttpErrorCode = status === 413 ? 'GW_ERR_HTTP_TOO_LARGE' : status === 415 ? 'GW_ERR_HTTP_UNSUPPORTED_MEDIA' : status === 404 ? 'GW_ERR_HTTP_NOT_FOUND' : 'GW_ERR_HTTP_BAD_REQUEST';
      return reply.status(status).send({ error: code, message: error.message });
    }
    if (storeUnavailable(error)) {
      request.log.warn({ err: error }, 'request refused: the database is not answering');
      return reply.status(503).header('retry-after', '5').send({ error: 'GW_ERR_STORE_UNAVAILABLE', message: HTTP_ERRORS.GW_ERR_STORE_UNAVAILABLE.meaning });
    }
    // Never show internals to the caller.
    request.log.error({ err: error }, 'request failed');
    return reply.status(500).send({ error: 'GW_ERR_HTTP_INTERNAL', message: HTTP_ERRORS.GW_ERR_HTTP_INTERNAL.meaning });
  });
  app.addHook('onRequest', async (request, reply) => {
    // API answers are data for one caller: never sniffed into something runnable, never cached.
    if (request.url === '/api' || request.url.startsWith('/api/') || request.url.startsWith('/api?')) {
      reply.header('x-content-type-options', 'nosniff').header('cache-control', 'no-store');
    }
  });
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send({ error: 'GW_ERR_HTTP_NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` });
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'Community health gateway', version: '0.1.0', description: 'The public contract: registry, alerts, index feed, readings. Errors are {"error": code, "message": text}.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  const streamTickets = new StreamTickets({ now: deps.now, tokenActive: (tokenId) => deps.tokens.isActive(tokenId) });
  const sessions = new DeviceSessions(deps.deviceSessions, deps.now, (tokenId) => deps.tokens.isActive(tokenId));
  await app.register(fastifyCookie);
  registerAuth(app, deps, streamTickets, sessions);
  await app.register(healthRoutes, deps);
  await app.register(clusterRoutes, deps);
  await app.register(tokenRoutes, deps);
  await app.register(registryRoutes, deps);
  await app.register(deviceRoutes, deps);
  await app.register(aqhiRoutes, deps);
  await app.register(alertRoutes, deps);
  await app.register(ackLinkRoutes, deps);
  await app.register(aedRoutes, deps);
  await app.register(drillRoutes, deps);
  await app.register(sessionRoutes, { ...deps, streamTickets, sessions });
  await app.register(mapRoutes, deps);
  await app.register(mapWalkingRoute, deps);
  await app.register(emergencyRoutes, deps);
  await app.register(rescuePageRoutes, deps);
  await app.register(residentRoutes, deps);
  await app.register(neighbourhoodRoutes, deps);
  await app.register(familyRoutes, deps);
  await app.register(doctorRoutes, deps);
  await app.register(webRoutes, deps);
  return app;
}

function formatSchemaErrors(errors: ErrorObject[], dataVar: string): string {
  return errors
    .slice(0, 5)
    .map((e) => {
      const where = `${dataVar}${e.instancePath}`;
      if (e.keyword === 'additionalProperties') return `${where}/${String((e.params as { additionalProperty: string }).additionalProperty)}: unknown field`;
      if (e.keyword === 'required') return `${where}/${String((e.params as { missingProperty: string }).missingProperty)}: required`;
      return `${where}: ${e.message ?? 'invalid'}`;
    })
    .filter((m, i, all) => all.indexOf(m) === i)
    .join('; ');
}
