import type { FastifyPluginAsync } from 'fastify';
import type { HttpDeps } from '../deps.js';

export const clusterRoutes: FastifyPluginAsync<HttpDeps> = async (app, deps) => {
  app.get('/api/cluster', { config: { roles: ['admin'] }, schema: { tags: ['cluster'], summary: 'The gateway instances serving the community, their last heartbeat and the partitions each holds' } }, async () =>
    deps.cluster(),
  );
};
