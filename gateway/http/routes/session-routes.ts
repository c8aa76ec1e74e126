import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { visibleGrids } from '../../alerts/alert-view.js';
import type { HttpDeps } from '../deps.js';
import type { StreamTickets } from '../stream-tickets.js';
import type { DeviceSessions } from '../device-sessions.js';
import { clearSessionCookies, setSessionCookies } from '../session-cookies.js';
import type { Principal } from '../../auth/token-store.js';
import type { Registry } from '../../registry/registry.js';
import { residentOfContact } from '../../sharing/sharing-policy.js';

export type SessionRouteDeps = HttpDeps & { streamTickets: StreamTickets; sessions: DeviceSessions };

const ALL_ROLES = ['admin', 'worker', 'bureau', 'responder', 'doctor', 'family', 'dispatcher'] as const;

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

const OpenedBody = Type.Object({
  id: Type.String(),
  csrf: Type.String({ description: 'send it back in the x-csrf-token header on every change (also in the readable gw_csrf cookie)' }),
  expiresAt: Type.String({ description: 'the latest the session can last' }),
  idleDays: Type.Number({ description: 'unused this many days, the session ends' }),
});

const SessionList = Type.Object({
  sessions: Type.Array(
    Type.Object({ id: Type.String(), device: Type.Union([Type.String(), Type.Null()]), createdAt: Type.String(), lastUsedAt: Type.String(), current: Type.Boolean() }),
  ),
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
  const doctor = registry.get('doctors', id);
  if (doctor !== undefined) return { id, name: doctor.name, kind: 'doctor' };
  return undefined;
}

/** The name a token's subject goes by: a person of the registry, or a family contact. */
function subjectName(registry: Registry, principal: Principal): string | null {
  if (principal.subject === null) return null;
  if (principal.role === 'family') {
    const [found] = residentOfContact(registry, principal.subject);
    return found?.resident.contacts[found.index]?.name ?? null;
  }
  return personName(registry, principal.subject)?.name ?? null;
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
        name: subjectName(deps.registry, principal),
        grids,
        team: teamOf(deps.registry, principal, gridIds),
        timeZone: deps.timeZone,
        now: new Date(deps.now()).toISOString(),
      };
    },
  );

  app.post(
    '/api/sessions',
    {
      config: { roles: ALL_ROLES },
      schema: {
        tags: ['auth'],
        description:
          'Signs this browser in for a long time: a device session in an http-only, SameSite=Strict cookie (Secure over HTTPS), opened with the bearer token once. ' +
          'Changes made with the cookie need the answer’s `csrf` in the x-csrf-token header. The session ends on sign-out, after `idleDays` unused, after 90 days, or when the token is revoked.',
        body: Type.Optional(Type.Object({ device: Type.Optional(Type.String({ maxLength: 200, description: 'a name for the device, shown in the session list' })) })),
        response: { 201: OpenedBody },
      },
    },
    async (request, reply) => {
      const principal = request.principal!;
      const device = request.body?.device ?? request.headers['user-agent'] ?? null;
      const opened = await deps.sessions.open(principal, device);
      setSessionCookies(request, reply, opened.secret, opened.csrf, Math.floor(deps.sessions.settings.maxAgeMs / 1000));
      request.log.info({ tokenId: principal.tokenId, sessionId: opened.id, role: principal.role }, 'device session opened');
      return reply.status(201).send({
        id: opened.id,
        csrf: opened.csrf,
        expiresAt: new Date(opened.expiresAtMs).toISOString(),
        idleDays: deps.sessions.settings.idleMs / 86_400_000,
      });
    },
  );

  app.get(
    '/api/sessions',
    { config: { roles: ALL_ROLES }, schema: { tags: ['auth'], description: 'The caller’s signed-in devices.', response: { 200: SessionList } } },
    async (request) => {
      const principal = request.principal!;
      return { sessions: await deps.sessions.list(principal, 'sessionId' in principal ? String(principal.sessionId) : null) };
    },
  );

  app.delete(
    '/api/sessions/current',
    { config: { roles: ALL_ROLES }, schema: { tags: ['auth'], description: 'Signs this device out (its cookie stops working at once).' } },
    async (request, reply) => {
      const principal = request.principal!;
      if ('sessionId' in principal) await deps.sessions.revoke(String(principal.sessionId));
      clearSessionCookies(request, reply);
      return reply.status(204).send();
    },
  );

  app.delete(
    '/api/sessions',
    {
      config: { roles: ALL_ROLES },
      schema: { tags: ['auth'], description: 'Signs the caller out on every device.', response: { 200: Type.Object({ revoked: Type.Integer() }) } },
    },
    async (request, reply) => {
      const revoked = await deps.sessions.revokeAll(request.principal!);
      request.log.info({ tokenId: request.principal!.tokenId, revoked }, 'signed out everywhere');
      clearSessionCookies(request, reply);
      return { revoked };
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
