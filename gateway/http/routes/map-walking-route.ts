import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { shareAlert } from '../../alerts/alert-sharing.js';
import { alertVisibility } from '../../alerts/alert-view.js';
import { accessEntriesFor } from '../../alerts/page-sharing.js';
import { recipientOfRole } from '../../sharing/viewer.js';
import { HttpError } from '../../errors/http-errors.js';
import { WalkingRoutes } from '../../routing/walking-route.js';
import type { HttpDeps } from '../deps.js';

const Place = Type.Object({ lat: Type.Number(), lon: Type.Number() });

const RouteBody = Type.Object({
  kind: Type.Union([Type.Literal('walking'), Type.Literal('straight'), Type.Literal('none')], {
    description: 'walking: the routing service’s route; straight: the straight line (no routing service, or it failed); none: no known position or no usable AED',
  }),
  reason: Type.Union([Type.String(), Type.Null()], {
    description: 'why not walking: not_configured, unreachable, timeout, refused, no_route; for none: no_location or no_usable_aed',
  }),
  from: Type.Union([Place, Type.Null()], { description: 'where the resident is, as the alert knows it' }),
  aed: Type.Union([
    Type.Object({ id: Type.String(), lat: Type.Number(), lon: Type.Number(), description: Type.Union([Type.String(), Type.Null()]), floor: Type.Union([Type.String(), Type.Null()]) }),
    Type.Null(),
  ]),
  distanceM: Type.Union([Type.Integer(), Type.Null()], { description: 'metres along the walking route, or in a straight line' }),
  durationS: Type.Union([Type.Integer(), Type.Null()], { description: 'the routing service’s walking time; null for the straight line' }),
  path: Type.Array(Type.Tuple([Type.Number(), Type.Number()]), { description: '[lat, lon] points of the walking route; empty for the straight line' }),
});
type RouteBody = Static<typeof RouteBody>;

const NOT_CONFIGURED = new WalkingRoutes({ config: null, now: Date.now, onFailure: () => undefined });

/**
 * `GET /api/map/route?alert=ID`: the walking route from the resident in trouble to the nearest
 * usable AED, or the straight line (labelled as one) when no routing service answers.
 */
export const mapWalkingRoute: FastifyPluginAsync<HttpDeps> = async (fastify, deps) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const routes = deps.walkingRoutes ?? NOT_CONFIGURED;

  app.get(
    '/api/map/route',
    {
      config: { roles: ['admin', 'worker', 'bureau', 'responder', 'dispatcher'] },
      schema: {
        tags: ['map'],
        description:
          'The walking route from the resident of an alert to the nearest usable AED, from the routing service of configuration map.routing (OSRM’s route API), ' +
          'cached for a minute per pair of places. Without a routing service, or when it fails or does not answer in time (map.routing.timeoutMs, 3 s), ' +
          'the straight line (`kind: straight`), never an error; failures are counted in gateway_walking_route_failures_total. ' +
          'As GET /api/map: only admin and workers (their grids) see a resident’s position, within the resident’s sharing choices or the emergency rule (else `kind: none`, `reason: no_location`); each read is in the access log.',
        querystring: Type.Object({ alert: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }) }),
        response: { 200: RouteBody },
      },
    },
    async (request): Promise<RouteBody> => {
      const principal = request.principal!;
      const id = request.query.alert;
      const alert = await deps.alerts.get(id);
      if (alert === undefined) throw new HttpError('GW_ERR_HTTP_NOT_FOUND', `no alert "${id}"`);
      const seesResidents = principal.role === 'admin' || principal.role === 'worker';
      if (!seesResidents || !alertVisibility(deps.registry, principal)(alert)) {
        request.log.warn({ alertId: id, tokenId: principal.tokenId }, 'walking route for an alert outside the caller’s view');
        throw new HttpError('GW_ERR_AUTH_FORBIDDEN', `alert "${id}" is not one you may see on the map`);
      }
      const none = (reason: string, from: RouteBody['from']): RouteBody => ({ kind: 'none', reason, from, aed: null, distanceM: null, durationS: null, path: [] });
      // The resident's position as GET /api/map places them: within their sharing choices or the
      // emergency rule, and the read logged.
      const shared = shareAlert(deps.registry, recipientOfRole(principal.role) ?? 'worker', alert, alert, deps.alertContext(alert));
      await deps.accessLog.record(accessEntriesFor({ atMs: deps.now(), actor: principal.subject ?? principal.role, role: principal.role, action: 'read_map' }, alert, shared.grounds));
      const location = shared.context?.location ?? null;
      if (location === null) return none('no_location', null);
      const from = { lat: location.lat, lon: location.lon };
      const nearest = deps.aed.nearest(from, deps.now(), 1).aeds[0];
      if (nearest === undefined) return none('no_usable_aed', from);
      const aed = { id: nearest.id, lat: nearest.lat, lon: nearest.lon, description: nearest.description ?? null, floor: nearest.floor ?? null };
      const route = await routes.between(from, aed);
      return route.kind === 'walking'
        ? { kind: 'walking', reason: null, from, aed, distanceM: route.distanceM, durationS: route.durationS, path: route.path }
        : { kind: 'straight', reason: route.reason, from, aed, distanceM: route.distanceM, durationS: null, path: [] };
    },
  );
};
