import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { visibleGrids } from '../../alerts/alert-view.js';
import { drillReportCsv } from '../../drills/drill-csv.js';
import { DrillError } from '../../drills/drill-service.js';
import { DRILL_SCENARIOS, type Drill } from '../../drills/drill-store.js';
import type { HttpDeps } from '../deps.js';
import { HttpError } from '../../errors/http-errors.js';

const Id = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });
const StartBody = Type.Object(
  {
    grid: Id,
    scenario: Type.Union(DRILL_SCENARIOS.map((s) => Type.Literal(s))),
    at: Type.Object({ lat: Type.Number({ minimum: -90, maximum: 90 }), lon: Type.Number({ minimum: -180, maximum: 180 }) }, { additionalProperties: false }),
    resident: Type.Optional(Id),
  },
  { additionalProperties: false },
);
const ListQuery = Type.Object({ grid: Type.Optional(Id) }, { additionalProperties: false });
const ReportQuery = Type.Object(
  { format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')], { description: 'csv: one row per page with the person’s ack' })) },
  { additionalProperties: false },
);

/** CONTRACT.md §6 "Drills": start one (admin, or a worker of the grid), list them, read a report. */
export const drillRoutes: FastifyPluginAsync<HttpDeps> = async (fastify, deps) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const roles = { roles: ['admin', 'worker'] as const };

  function mayUse(request: FastifyRequest, grid: string): boolean {
    const grids = visibleGrids(deps.registry, request.principal!);
    return grids === undefined || grids.includes(grid);
  }

  async function visibleDrill(request: FastifyRequest, id: string): Promise<Drill> {
    const drill = await deps.drills.get(id);
    if (drill === undefined) throw new HttpError('GW_ERR_HTTP_NOT_FOUND', `no drill "${id}"`);
    if (!mayUse(request, drill.grid)) throw new HttpError('GW_ERR_AUTH_FORBIDDEN', `drill "${id}" is not in your grids`);
    return drill;
  }

  app.post(
    '/api/drills',
    {
      config: roles,
      schema: {
        tags: ['drills'],
        body: StartBody,
        description: 'Starts a drill: a scripted fall, SOS or AED cabinet opening at `at`, paged through the grid’s real escalation and channels, every page marked DRILL (演练). Answers the report so far.',
      },
    },
    async (request, reply) => {
      const { grid, scenario, at, resident } = request.body;
      const principal = request.principal!;
      if (!mayUse(request, grid)) {
        request.log.warn({ grid, tokenId: principal.tokenId }, 'drill for a grid outside the caller’s');
        throw new HttpError('GW_ERR_AUTH_FORBIDDEN', `grid "${grid}" is not yours`);
      }
      try {
        const drill = await deps.drills.start({ grid, scenario, at, ...(resident === undefined ? {} : { resident }) }, principal.subject ?? principal.role);
        return reply.status(201).send(await deps.drills.report(drill));
      } catch (err) {
        if (err instanceof DrillError) {
          request.log.warn({ grid, scenario, resident, tokenId: principal.tokenId, reason: err.message }, 'drill refused');
          throw new HttpError('GW_ERR_DRILL_INVALID', err.message);
        }
        throw err;
      }
    },
  );

  app.get('/api/drills', { config: roles, schema: { tags: ['drills'], querystring: ListQuery, description: 'Drills of the caller’s grids, newest first, each as its report.' } }, async (request) => {
    const allowed = visibleGrids(deps.registry, request.principal!);
    const asked = request.query.grid;
    const grids = asked === undefined ? allowed : allowed === undefined || allowed.includes(asked) ? [asked] : [];
    return { drills: await Promise.all((await deps.drills.list(grids)).map((d) => deps.drills.report(d))) };
  });

  app.get(
    '/api/drills/:id',
    { config: roles, schema: { tags: ['drills'], params: Type.Object({ id: Type.String({ maxLength: 64 }) }), querystring: ReportQuery, description: 'A drill’s report (JSON, or CSV with format=csv).' } },
    async (request, reply) => {
      const report = await deps.drills.report(await visibleDrill(request, request.params.id));
      if (request.query.format !== 'csv') return report;
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="drill-${report.startedAt.slice(0, 10)}-${report.grid.id}.csv"`)
        .send(drillReportCsv(report));
    },
  );
};
