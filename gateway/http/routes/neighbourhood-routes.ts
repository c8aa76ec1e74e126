import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { NEIGHBOURHOOD_NOTE, NeighbourhoodBody, NeighbourhoodSensorBody } from '../../neighbourhood/neighbourhood-schema.js';
import { Id } from '../../registry/schemas.js';
import type { HttpDeps } from '../deps.js';
import { ErrorBody, HttpError } from '../../errors/http-errors.js';

const ABOUT =
  'Each bin’s latest readings (fill %, air fields as read) and, per pollutant, its last complete hour as read, corrected by a ' +
  'rolling straight line fitted on the hours it and its nearest official station both measured (the fit shown), and the ' +
  'station’s own value; `status` says whether the correction can be trusted (`ok`), is still being fitted (`calibrating`), ' +
  'has `drifting` or `stuck` readings, or has no station measuring that pollutant (`no_station`). Never part of the official index.';

/** Neighbourhood sensors (bins): public, like the index feed (no personal data). */
export const neighbourhoodRoutes: FastifyPluginAsync<HttpDeps> = async (fastify, deps) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['neighbourhood'];
  app.get(
    '/api/neighbourhood',
    { config: { public: true }, schema: { tags, security: [], description: ABOUT, response: { 200: NeighbourhoodBody } } },
    async () => ({ note: NEIGHBOURHOOD_NOTE, sensors: await deps.neighbourhood.sensors(deps.now()) }),
  );
  app.get(
    '/api/neighbourhood/:deviceId',
    {
      config: { public: true },
      schema: { tags, security: [], description: `One bin. ${ABOUT}`, params: Type.Object({ deviceId: Id }), response: { 200: NeighbourhoodSensorBody, 404: ErrorBody } },
    },
    async (request) => {
      const sensor = await deps.neighbourhood.sensor(request.params.deviceId, deps.now());
      if (sensor === undefined) throw new HttpError('GW_ERR_HTTP_NOT_FOUND', `no bin "${request.params.deviceId}"`);
      return sensor;
    },
  );
};
