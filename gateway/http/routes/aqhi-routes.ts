import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { HOUR_MS } from '../../../rules/aqhi/index.js';
import { AqhiFeedBody, AqhiHistoryBody } from '../../aqhi/feed-schema.js';
import { Id } from '../../registry/schemas.js';
import type { HttpDeps } from '../deps.js';
import { ErrorBody, HttpError } from '../../errors/http-errors.js';
import { aqhiForecastRoutes } from './aqhi-forecast-routes.js';
import { aqhiReportRoutes } from './aqhi-report-routes.js';

/** History reaches back 30 days of hourly values. */
const MAX_HISTORY_HOURS = 720;

const HistoryQuery = Type.Object(
  { hours: Type.Integer({ minimum: 1, maximum: MAX_HISTORY_HOURS, default: 24, description: 'hours back from the current hour, 1..720' }) },
  { additionalProperties: false },
);

const StreamQuery = Type.Object(
  { station: Type.Optional(Id) },
  { additionalProperties: false },
);

/** The public index feed (CONTRACT.md §3): no token, for the bureau's screens and anyone else. */
export const aqhiRoutes: FastifyPluginAsync<HttpDeps> = async (fastify, deps) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['aqhi'];
  await fastify.register(aqhiReportRoutes, deps);
  await fastify.register(aqhiForecastRoutes, deps);

  app.get(
    '/api/aqhi',
    {
      config: { public: true },
      schema: {
        tags,
        security: [],
        description:
          'Every registered station’s current index: value, band, category, health advice (zh, en) for the general public and for people at risk, ' +
          'time, averaging window, pollutants used and each one’s contribution, missing pollutants with the reason, the profile, and `stale` when the station has been silent for over 2 hours.',
        response: { 200: AqhiFeedBody },
      },
    },
    async () => deps.aqhi.feed(deps.now()),
  );

  app.get(
    '/api/aqhi/:stationId/history',
    {
      config: { public: true },
      schema: {
        tags,
        security: [],
        description: 'Hourly index values of one station, oldest first, for the last `hours` hours up to the current one. Hours without a value are left out.',
        params: Type.Object({ stationId: Id }),
        querystring: HistoryQuery,
        response: { 200: AqhiHistoryBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const { stationId } = request.params;
      if (!deps.registry.has('stations', stationId)) throw new HttpError('GW_ERR_HTTP_NOT_FOUND', `no station "${stationId}"`);
      const nowMs = deps.now();
      const { hours } = request.query;
      const toMs = Math.floor(nowMs / HOUR_MS) * HOUR_MS + HOUR_MS;
      return {
        stationId,
        hours,
        from: new Date(toMs - hours * HOUR_MS).toISOString(),
        to: new Date(toMs).toISOString(),
        points: await deps.aqhi.history(stationId, hours, nowMs),
      };
    },
  );

  app.get(
    '/api/aqhi/stream',
    {
      config: { public: true },
      schema: {
        tags,
        security: [],
        description:
          'Server-Sent Events: first `snapshot` (the whole feed, as GET /api/aqhi), then an `index` event with a station’s entry each time it changes. ' +
          '`station` limits the stream to one station. Reconnect with Last-Event-ID to get what was missed.',
        querystring: StreamQuery,
        response: { 404: ErrorBody },
      },
    },
    async (request, reply) => {
      const only = request.query.station;
      if (only !== undefined && !deps.registry.has('stations', only)) throw new HttpError('GW_ERR_HTTP_NOT_FOUND', `no station "${only}"`);
      const feed = deps.aqhi.feed(deps.now());
      const snapshot = only === undefined ? feed : { ...feed, stations: feed.stations.filter((s) => s.stationId === only) };
      deps.aqhiStream.attach(request, reply, (body) => only === undefined || body.stationId === only, { event: 'snapshot', data: snapshot });
    },
  );
};
