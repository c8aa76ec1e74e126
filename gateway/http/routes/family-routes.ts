import type { FastifyPluginAsync } from 'fastify';
import { familyView } from '../../alerts/family-view.js';
import type { HttpDeps } from '../deps.js';
import { HttpError } from '../../errors/http-errors.js';

/** The family page's one read: their relative as the resident's sharing choices allow (README, "Family page"). */
export const familyRoutes: FastifyPluginAsync<HttpDeps> = async (app, deps) => {
  app.get(
    '/api/family',
    {
      config: { roles: ['family'] },
      schema: {
        tags: ['sharing'],
        description:
          'For a family token: the relative’s open alerts (emergencies, and what is shared with family), when and (if shared) where the bracelet was last heard from, who is on the way, and the grid’s on-duty workers to call. Logged in the access log.',
      },
    },
    async (request) => {
      const found = await familyView(
        {
          registry: deps.registry,
          // Open and acked alerts are the service's working set: newest first, as the store lists them.
          openAlerts: (id) =>
            deps.alerts
              .activeAlerts()
              .filter((a) => a.subject === id)
              .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
              .slice(0, 50),
          alertContext: deps.alertContext,
          lastSeenMs: (id) => deps.deviceState.lastSeenMs(id),
          lastLocation: deps.lastLocation,
          now: deps.now,
        },
        request.principal!,
      );
      if (found === undefined) throw new HttpError('GW_ERR_AUTH_FORBIDDEN', 'this family token speaks for no resident (its contact is gone, or named by two residents)');
      await deps.accessLog.record(found.log);
      return found.view;
    },
  );
};
