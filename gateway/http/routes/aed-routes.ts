import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Id } from '../../registry/schemas.js';
import type { HttpDeps } from '../deps.js';
import { HttpError } from '../../errors/http-errors.js';

const AlertId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });

/** AEDs anyone with a token may look up, responders' answers and whereabouts, restock confirmation. */
export const aedRoutes: FastifyPluginAsync<HttpDeps> = async (fastify, deps) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/api/aeds/nearest',
    {
      config: { roles: ['admin', 'worker', 'responder', 'bureau'] },
      schema: {
        tags: ['aeds'],
        description:
          'The nearest AEDs usable now (ready, open at this hour, pads and battery in date), nearest first, with every nearer one that was skipped and why. Distances are great-circle metres, not walking routes (`distanceMethod`).',
        querystring: Type.Object(
          { lat: Type.Number({ minimum: -90, maximum: 90 }), lon: Type.Number({ minimum: -180, maximum: 180 }), limit: Type.Integer({ minimum: 1, maximum: 20, default: 3 }) },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const { lat, lon, limit } = request.query;
      const result = deps.aed.nearest({ lat, lon }, deps.now(), limit);
      return {
        distanceMethod: result.distanceMethod,
        aeds: result.aeds,
        skipped: result.skipped,
      };
    },
  );

  for (const answer of ['accept', 'decline'] as const) {
    app.post(
      `/api/dispatches/:alertId/${answer}`,
      { config: { roles: ['responder'] }, schema: { tags: ['aeds'], params: Type.Object({ alertId: AlertId }), description: `The calling responder ${answer}s a dispatch to an opened AED cabinet.` } },
      async (request) => {
        const responderId = request.principal!.subject;
        if (responderId === null) throw new HttpError('GW_ERR_AUTH_FORBIDDEN', 'this token speaks for no responder');
        const result = await deps.aed.respond(request.params.alertId, responderId, answer);
        if (!result.found) throw new HttpError('GW_ERR_HTTP_NOT_FOUND', `no dispatch for alert "${request.params.alertId}"`);
        if (result.ignored === 'not_asked') throw new HttpError('GW_ERR_AUTH_FORBIDDEN', 'you were not asked to respond to this incident');
        return { alertId: request.params.alertId, responder: responderId, answer, changed: result.ignored === undefined };
      },
    );
  }

  app.post(
    '/api/responders/me/location',
    {
      config: { roles: ['responder'] },
      schema: {
        tags: ['aeds'],
        description: 'The responder app reports where its user is and whether they are available. The location is kept only while available. A responder on the way to an emergency moves on the dispatcher\'s view and is told to the centre at most every emergencies.positionEveryS seconds.',
        body: Type.Object(
          { lat: Type.Number({ minimum: -90, maximum: 90 }), lon: Type.Number({ minimum: -180, maximum: 180 }), available: Type.Optional(Type.Boolean()) },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const id = request.principal!.subject;
      const responder = id === null ? undefined : deps.registry.get('responders', id);
      if (responder === undefined) throw new HttpError('GW_ERR_HTTP_NOT_FOUND', 'this token speaks for no registered responder');
      const available = request.body.available ?? responder.available;
      const { lat: _lat, lon: _lon, ...rest } = responder;
      const next = available ? { ...rest, available, lat: request.body.lat, lon: request.body.lon } : { ...rest, available };
      const { entry } = await deps.registry.put('responders', next);
      await deps.emergencies.responderMoved(entry.id);
      return entry;
    },
  );

  app.post(
    '/api/aeds/:id/restock',
    { config: { roles: ['admin', 'worker'] }, schema: { tags: ['aeds'], params: Type.Object({ id: Id }), description: 'The guardian confirms the cabinet is restocked and the AED back: it returns to ready.' } },
    async (request) => {
      const aed = deps.registry.get('aeds', request.params.id);
      if (aed === undefined) throw new HttpError('GW_ERR_HTTP_NOT_FOUND', `no AED "${request.params.id}"`);
      const by = request.principal!.subject ?? 'admin';
      if (request.principal!.role === 'worker' && aed.guardian !== by) throw new HttpError('GW_ERR_AUTH_FORBIDDEN', `only the guardian of ${aed.id} may confirm its restock`);
      await deps.aed.confirmRestock(aed.id, by);
      return { id: aed.id, confirmedBy: by };
    },
  );
};
