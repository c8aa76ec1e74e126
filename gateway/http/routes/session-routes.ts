import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { visibleGrids } from '../../alerts/alert-view.js';
import type { HttpDeps } from '../deps.js';
import type { StreamTickets } from '../stream-tickets.js';
import type { Principal } from '../token-store.js';
import type { Registry } from '../../registry/registry.js';

export type SessionRouteDeps = HttpDeps & { streamTickets: StreamTickets };

const ALL_ROLES = ['admin', 'worker', 'bureau', 'responder'] as const;

const NamedRef = Type.Object({ id: Type.String(), name: Type.String() });

const MeBody = Type.Object({
  role: Type.String(),
  subject: Type.Union([Type.String(), Type.Null()]),
  name: Type.Union([Type.String(), Type.Null()], { description: 'the worker’s or responder’s name' }),
  grids: Type.Array(NamedRef, { description: 'the grids whose alerts the caller sees (every grid for admin, none for bureau and responders)' }),
  team: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), kind: Type.String() }), {
    description: 'the people on those grids’ rosters, so timelines can show names instead of ids',
  }),
  timeZone: Type.String({ description: 'the deployment’s time zone, for showing local times' }),
  now: Type.String({ description: 'the gateway’s clock (ISO 8601), so a device with a wrong clock still shows the right ages' }),
});

const TicketBody = Type.Object({
  ticket: Type.String(),
  expiresAt: Type.String(),
  streams: Type.Array(Type.String(), { description: 'the event streams the ticket opens' }),
});

function personName(registry: Registry, id: string): { id: string; name: string; kind: string } | undefined {
  const worker = registry.get('workers', id);
  if (worker !== undefined) return { id, name: worker.name, kind: 'worker' };
  const responder = registry.get('responders', id);
  if (responder !== undefined) return { id, name: responder.name, kind: 'responder' };
  return undefined;
}

/** Workers sharing a grid and everyone on its rosters; for admin, every worker and responder. */
function teamOf(registry: Registry, principal: Principal, gridIds: readonly string[]): { id: string; name: string; kind: string }[] {
  if (principal.role === 'admin') {
    return [
      ...registry.list('workers').map((w) => ({ id: w.id, name: w.name, kind: 'worker' })),
      ...registry.list('responders').map((r) => ({ id: r.id, name: r.name, kind: 'responder' })),
    ];
  }
  const ids = new Set<string>();
  for (const gridId of gridIds) {
    const grid = registry.get('grids', gridId);
    if (grid === undefined) continue;
    for (const id of [...grid.onDuty, ...grid.backup, ...grid.emergencyGroup]) ids.add(id);
  }
  for (const worker of registry.list('workers')) if (worker.grids.some((g) => gridIds.includes(g))) ids.add(worker.id);
  return [...ids].flatMap((id) => personName(registry, id) ?? []);
}

/** Who the caller is (the web UI's login), and tickets that let a browser open an event stream. */
export const sessionRoutes: FastifyPluginAsync<SessionRouteDeps> = async (fastify, deps) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/api/me',
    {
      config: { roles: ALL_ROLES },
      schema: { tags: ['auth'], description: 'The caller’s role, name and grids, the deployment’s time zone and the gateway’s clock.', response: { 200: MeBody } },
    },
    async (request) => {
      const principal = request.principal!;
      const gridIds = visibleGrids(deps.registry, principal) ?? deps.registry.list('grids').map((g) => g.id);
      const grids = gridIds.flatMap((id) => {
        const grid = deps.registry.get('grids', id);
        return grid === undefined ? [] : [{ id: grid.id, name: grid.name }];
      });
      const subject = principal.subject;
      return {
        role: principal.role,
        subject,
        name: subject === null ? null : (personName(deps.registry, subject)?.name ?? null),
        grids,
        team: teamOf(deps.registry, principal, gridIds),
        timeZone: deps.timeZone,
        now: new Date(deps.now()).toISOString(),
      };
    },
  );

  app.post(
    '/api/stream-tickets',
    {
      config: { roles: ['admin', 'worker'] },
      schema: {
        tags: ['auth'],
        description:
          'A one-use ticket, valid for a minute, that opens GET /api/alerts/stream?ticket=… as the caller. For browsers: EventSource cannot send the Authorization header.',
        response: { 201: TicketBody },
      },
    },
    async (request, reply) => {
      const issued = deps.streamTickets.issue(request.principal!);
      return reply.status(201).send({ ticket: issued.ticket, expiresAt: new Date(issued.expiresAtMs).toISOString(), streams: ['/api/alerts/stream'] });
    },
  );
};
