import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { RunAnswer } from '../../../rules/aed/index.js';
import { alertVisibility } from '../../alerts/alert-view.js';
import { systemNote } from '../../alerts/system-notes.js';
import { monthBounds, summariseByDistrict } from '../../emergencies/emergency-summary.js';
import { EMERGENCY_KINDS, type Emergency } from '../../emergencies/emergency-store.js';
import type { AnswerResult } from '../../emergencies/emergency-service.js';
import type { HttpDeps } from '../deps.js';
import { HttpError, type HttpErrorCode } from '../../errors/http-errors.js';
import type { Principal } from '../../auth/token-store.js';

const EmergencyId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });
const NewEmergencyBody = Type.Object(
  {
    ref: Type.String({ pattern: '^[A-Za-z0-9_.:/-]{1,128}$', description: 'the centre’s own reference for the call; a repeat answers the same emergency' }),
    kind: Type.Union(EMERGENCY_KINDS.map((k) => Type.Literal(k))),
    lat: Type.Number({ minimum: -90, maximum: 90 }),
    lon: Type.Number({ minimum: -180, maximum: 180 }),
    address: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
    note: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
const ListQuery = Type.Object(
  {
    state: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('closed')])),
    since: Type.Optional(Type.Integer({ minimum: 0, description: 'epoch ms: created at or after' })),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  },
  { additionalProperties: false },
);
const ANSWERS: Record<string, RunAnswer> = { accept: 'accept', decline: 'decline', 'aed-collected': 'aed_collected', 'on-scene': 'on_scene' };
const centre = { roles: ['admin', 'dispatcher'] as const };

function actorOf(principal: Principal): string {
  return principal.subject ?? principal.role;
}

/** CONTRACT.md §6: emergencies from the 120 centre, the responders' answers, the dispatcher's view. */
export const emergencyRoutes: FastifyPluginAsync<HttpDeps> = async (fastify, deps) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const service = deps.emergencies;

  /** Refused input: a stable code, counted, logged with who sent it. */
  function refuse(request: FastifyRequest, code: HttpErrorCode, message: string): never {
    const principal = request.principal;
    deps.metrics.emergencyRequestsRejected.inc({ code, role: principal?.role ?? 'none' });
    request.log.warn({ code, tokenId: principal?.tokenId, role: principal?.role, subject: principal?.subject, route: request.routeOptions.url, problem: message }, 'emergency request refused');
    throw new HttpError(code, message);
  }

  async function found(request: FastifyRequest, id: string): Promise<Emergency> {
    const emergency = await service.get(id);
    return emergency ?? refuse(request, 'GW_ERR_EMERGENCY_NOT_FOUND', `no emergency "${id}"`);
  }

  app.post(
    '/api/emergencies',
    {
      config: centre,
      attachValidation: true,
      schema: {
        tags: ['emergencies'],
        description:
          'The 120 centre reports an emergency: the nearest available certified responders are paged at once, each with their own route (via the nearest usable AED, or straight to the patient when someone else fetches it). Idempotent on `ref`: a repeat creates nothing and answers the same emergency (200 instead of 201).',
        body: NewEmergencyBody,
      },
    },
    async (request, reply) => {
      if (request.validationError !== undefined) refuse(request, 'GW_ERR_EMERGENCY_INVALID', request.validationError.message);
      const principal = request.principal!;
      const body = request.body;
      const { emergency, created } = await service.create(
        { ref: body.ref, kind: body.kind, lat: body.lat, lon: body.lon, ...(body.address === undefined ? {} : { address: body.address }), ...(body.note === undefined ? {} : { note: body.note }) },
        { source: 'centre', createdBy: actorOf(principal) },
      );
      if (!created) request.log.info({ emergencyId: emergency.id, ref: body.ref, by: actorOf(principal) }, 'emergency reported again; answered the existing one');
      return reply.status(created ? 201 : 200).send(await service.view(emergency));
    },
  );

  app.get(
    '/api/emergencies',
    { config: centre, schema: { tags: ['emergencies'], description: 'Emergencies, newest first, with each responder’s state, position and AED.', querystring: ListQuery } },
    async (request) => {
      const { state, since, limit } = request.query;
      const list = await service.list({ ...(state === undefined ? {} : { state }), ...(since === undefined ? {} : { sinceMs: since }), limit });
      return { emergencies: await Promise.all(list.map((e) => service.view(e))) };
    },
  );

  app.get(
    '/api/emergencies/stream',
    { config: centre, schema: { tags: ['emergencies'], description: 'Server-Sent Events (`emergency`): every change of every emergency, responders’ positions included.' } },
    async (request, reply) => {
      const active = await Promise.all(service.activeEmergencies().map((e) => service.view(e)));
      service.hub.attach(request, reply, () => true, { event: 'hello', data: { active } });
    },
  );

  app.get(
    '/api/emergencies/summary',
    {
      config: centre,
      schema: {
        tags: ['emergencies'],
        description: 'One month’s emergencies per district: counts, and medians of time to first acceptance, to an AED on scene and to the ambulance.',
        querystring: Type.Object({ month: Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description: 'YYYY-MM, in the deployment’s time zone' }) }, { additionalProperties: false }),
      },
    },
    async (request) => {
      const { startMs, endMs } = monthBounds(request.query.month, deps.timeZone);
      const list = await service.list({ sinceMs: startMs, untilMs: endMs, limit: 100_000 });
      return { month: request.query.month, timeZone: deps.timeZone, districts: summariseByDistrict(list) };
    },
  );

  app.get(
    '/api/emergencies/:id',
    {
      config: { roles: ['admin', 'dispatcher', 'responder'] },
      schema: { tags: ['emergencies'], description: 'One emergency with its timeline and outcome; a responder sees only their own run.', params: Type.Object({ id: EmergencyId }) },
    },
    async (request) => {
      const emergency = await found(request, request.params.id);
      const principal = request.principal!;
      if (principal.role !== 'responder') return service.view(emergency);
      if (principal.subject === null || !emergency.dispatch.runs.some((r) => r.responderId === principal.subject)) {
        refuse(request, 'GW_ERR_EMERGENCY_NOT_ASKED', 'you were not asked to this emergency');
      }
      return service.view(emergency, principal.subject);
    },
  );

  for (const [path, answer] of Object.entries(ANSWERS)) {
    app.post(
      `/api/emergencies/:id/responders/me/${path}`,
      { config: { roles: ['responder'] }, schema: { tags: ['emergencies'], params: Type.Object({ id: EmergencyId }), description: `The calling responder: ${path.replace('-', ' ')}.` } },
      async (request) => {
        const responderId = request.principal!.subject;
        if (responderId === null) refuse(request, 'GW_ERR_EMERGENCY_NOT_ASKED', 'this token speaks for no responder');
        const result = await service.answer(request.params.id, responderId, answer);
        return answered(request, result, responderId);
      },
    );
  }

  async function answered(request: FastifyRequest, result: AnswerResult, responderId: string) {
    if (result.outcome === 'not_found') refuse(request, 'GW_ERR_EMERGENCY_NOT_FOUND', 'no such emergency');
    if (result.outcome === 'ignored') {
      if (result.ignored === 'not_asked') refuse(request, 'GW_ERR_EMERGENCY_NOT_ASKED', 'you were not asked to this emergency');
      if (result.ignored === 'closed') refuse(request, 'GW_ERR_EMERGENCY_CLOSED', 'this emergency is closed');
      if (result.ignored === 'not_applicable') refuse(request, 'GW_ERR_EMERGENCY_NOT_APPLICABLE', 'that does not fit your run now (no AED on your route, or not accepted yet)');
    }
    return { changed: result.outcome === 'changed', ...(await service.view(result.emergency, responderId)) };
  }

  app.post(
    '/api/emergencies/:id/ambulance-arrived',
    {
      config: centre,
      schema: {
        tags: ['emergencies'],
        description: 'The centre reports the ambulance’s arrival (for the outcome record); `at` in epoch ms, default now.',
        params: Type.Object({ id: EmergencyId }),
        body: Type.Optional(Type.Object({ at: Type.Optional(Type.Integer({ minimum: 0 })) }, { additionalProperties: false })),
      },
    },
    async (request) => {
      await found(request, request.params.id);
      const at = request.body?.at ?? deps.now();
      return service.view((await service.ambulanceArrived(request.params.id, at, actorOf(request.principal!)))!);
    },
  );

  app.post(
    '/api/emergencies/:id/close',
    {
      config: centre,
      schema: {
        tags: ['emergencies'],
        description: 'The emergency is over: responders still deciding are released.',
        params: Type.Object({ id: EmergencyId }),
        body: Type.Optional(Type.Object({ note: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false })),
      },
    },
    async (request) => {
      await found(request, request.params.id);
      return service.view((await service.close(request.params.id, actorOf(request.principal!), request.body?.note))!);
    },
  );

  app.post(
    '/api/alerts/:id/cardiac-arrest',
    {
      config: { roles: ['admin', 'worker'] },
      schema: {
        tags: ['emergencies'],
        description: 'A worker on the scene finds the resident in cardiac arrest: an emergency at the resident’s position, responders and AEDs sent as for the centre’s. Idempotent per alert.',
        params: Type.Object({ id: EmergencyId }),
        body: Type.Optional(Type.Object({ note: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false })),
      },
    },
    async (request, reply) => {
      const principal = request.principal!;
      const alert = await deps.alerts.get(request.params.id);
      if (alert === undefined || !alertVisibility(deps.registry, principal)(alert)) throw new HttpError('GW_ERR_HTTP_NOT_FOUND', `no alert "${request.params.id}" visible to you`);
      const resident = deps.registry.get('residents', alert.subject);
      const location = deps.alertContext(alert).location;
      if (resident === undefined || location === null) refuse(request, 'GW_ERR_EMERGENCY_INVALID', 'the alert is not about a resident with a known position');
      const { emergency, created } = await deps.emergencies.create(
        {
          ref: `alert-${alert.id}`,
          kind: 'cardiac_arrest',
          lat: location.lat,
          lon: location.lon,
          resident: resident.id,
          alertId: alert.id,
          ...(resident.address === undefined ? {} : { address: `${resident.name}, ${resident.address}` }),
          ...(request.body?.note === undefined ? {} : { note: request.body.note }),
        },
        { source: 'worker', createdBy: actorOf(principal) },
      );
      // Written by the person who pressed it, in both languages; the emergency's id stays in the log.
      if (created) await deps.alerts.record(alert.id, { ...systemNote('arrestReported', {}, deps.now()), by: actorOf(principal) });
      return reply.status(created ? 201 : 200).send(await service.view(emergency));
    },
  );
};
