import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ForecastInputError } from '../../aqhi/forecast-service.js';
import { ForecastBody, OfficialForecastInput } from '../../aqhi/forecast-schema.js';
import { Id } from '../../registry/schemas.js';
import type { HttpDeps } from '../deps.js';
import { ErrorBody, HttpError } from '../../errors/http-errors.js';

const FORECAST_TEXT =
  'The current hour and the 23 after it, and tomorrow’s highest band. `source`: `official` (the bureau’s, while valid, with its issuer), ' +
  '`model` (damped anomaly persistence on the station’s diurnal profile, shown only once it has beaten persistence over the last 30 days), or ' +
  '`persistence` (the last hour’s index held; `reason` says why). `skill`: the model’s mean absolute error and band hit rate 1, 6 and 24 hours ahead, ' +
  'scored against what happened over the last 30 days, beside persistence’s.';

/** The index forecast (CONTRACT.md §6): public to read; the bureau posts the official one. */
export const aqhiForecastRoutes: FastifyPluginAsync<HttpDeps> = async (fastify, deps) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['aqhi'];
  const station = (id: string): void => {
    if (!deps.registry.has('stations', id)) throw new HttpError('GW_ERR_HTTP_NOT_FOUND', `no station "${id}"`);
  };

  app.get(
    '/api/aqhi/:stationId/forecast',
    {
      config: { public: true },
      schema: { tags, security: [], description: FORECAST_TEXT, params: Type.Object({ stationId: Id }), response: { 200: ForecastBody, 404: ErrorBody } },
    },
    async (request) => {
      station(request.params.stationId);
      return (await deps.aqhiForecast.forecast(request.params.stationId, deps.now()))!;
    },
  );

  app.put(
    '/api/aqhi/:stationId/forecast',
    {
      config: { roles: ['bureau', 'admin'] },
      schema: {
        tags,
        description:
          'An official forecast for the station: `hours` (each with `pollutants` the profile turns into an index, an `index`, or a `band`), and/or ' +
          '`tomorrow` (`band`), valid until `validUntil`. It replaces the station’s previous official forecast and wins over the model while valid.',
        params: Type.Object({ stationId: Id }),
        body: OfficialForecastInput,
        response: { 200: ForecastBody, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const { stationId } = request.params;
      station(stationId);
      const principal = request.principal!;
      try {
        return await deps.aqhiForecast.putOfficial(stationId, request.body, { role: principal.role, subject: principal.subject, label: principal.tokenId }, deps.now());
      } catch (err) {
        if (!(err instanceof ForecastInputError)) throw err;
        deps.metrics.aqhiForecastsRefused.inc();
        request.log.warn({ tokenId: principal.tokenId, role: principal.role, stationId, reason: err.message }, 'official forecast refused');
        throw new HttpError('GW_ERR_AQHI_FORECAST_INVALID', err.message);
      }
    },
  );

  app.get(
    '/api/aqhi/forecast/stream',
    {
      config: { public: true },
      schema: {
        tags,
        security: [],
        description: 'Server-Sent Events: first `snapshot` (every station’s forecast), then a `forecast` event with a station’s forecast each time it is made. `station` limits it to one.',
        querystring: Type.Object({ station: Type.Optional(Id) }, { additionalProperties: false }),
        response: { 404: ErrorBody },
      },
    },
    async (request, reply) => {
      const only = request.query.station;
      if (only !== undefined) station(only);
      const all = (await deps.aqhiForecast.all(deps.now())).filter((f) => only === undefined || f.stationId === only);
      deps.aqhiForecastStream.attach(request, reply, (body) => only === undefined || body.stationId === only, { event: 'snapshot', data: { forecasts: all } });
    },
  );
};
