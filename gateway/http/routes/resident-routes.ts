import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AccessCategory } from '../../audit/access-log.js';
import { Id, type ResidentEntity } from '../../registry/schemas.js';
import { sharingProblems } from '../../registry/sharing-check.js';
import { RegistryError } from '../../registry/registry.js';
import { recipientOfRole } from '../../sharing/viewer.js';
import { readableCategories } from '../../sharing/reading-sharing.js';
import { SHARING_BASES, type SharingBasis } from '../../sharing/sharing-records.js';
import { mayReadResident } from '../../sharing/visibility.js';
import { hourlyVitals } from '../../sharing/vitals-summary.js';
import type { HttpDeps } from '../deps.js';
import { HttpError } from '../../errors/http-errors.js';

const HOUR_MS = 3600_000;
const Params = Type.Object({ id: Id });
const SharingBody = Type.Object(
  {
    sharing: Type.Unknown({ description: 'categories (location, vitals, activity, conditions) → recipients (worker, doctor, family, responder); a category left out is shared with nobody' }),
    basis: Type.Union(SHARING_BASES.map((b) => Type.Literal(b)), { description: 'how the resident made the choice' }),
    formRef: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'the paper form’s reference (required with paper_form)' })),
  },
  { additionalProperties: false },
);
const AuditQuery = Type.Object(
  {
    resident: Type.Optional(Id),
    actor: Type.Optional(Type.String({ maxLength: 200 })),
    since: Type.Optional(Type.String({ description: 'epoch ms or ISO 8601' })),
    until: Type.Optional(Type.String({ description: 'epoch ms or ISO 8601' })),
    limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 }),
  },
  { additionalProperties: false },
);

function parseTime(raw: string | undefined, field: string): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const ms = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(ms)) throw new HttpError('GW_ERR_HTTP_BAD_REQUEST', `querystring/${field}: "${raw}" is neither epoch milliseconds nor an ISO 8601 time`);
  return ms;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** CONTRACT.md §6: a resident's sharing choices, their vitals summary, and who read their data. */
export const residentRoutes: FastifyPluginAsync<HttpDeps> = async (fastify, deps) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  /** The resident if the caller may read them: 404 for an unknown id, 403 for someone else's. */
  function readableResident(request: FastifyRequest, id: string): ResidentEntity {
    const resident = deps.registry.get('residents', id);
    if (resident === undefined) throw new HttpError('GW_ERR_HTTP_NOT_FOUND', `no resident "${id}"`);
    const principal = request.principal!;
    if (!mayReadResident(deps.registry, principal, id)) {
      request.log.warn({ tokenId: principal.tokenId, role: principal.role, resident: id }, 'resident outside the caller’s reach');
      throw new HttpError('GW_ERR_AUTH_FORBIDDEN', `the ${principal.role} token may not read resident "${id}"`);
    }
    return resident;
  }

  async function logRead(request: FastifyRequest, resident: string, categories: readonly AccessCategory[], action: string): Promise<void> {
    const principal = request.principal!;
    const atMs = deps.now();
    await deps.accessLog.record(categories.map((category) => ({ atMs, actor: principal.subject ?? principal.role, role: principal.role, resident, category, action, ground: 'consent' as const })));
  }

  async function sharingView(resident: ResidentEntity): Promise<object> {
    const record = await deps.sharingRecords.latest(resident.id);
    return {
      resident: resident.id,
      sharing: resident.sharing ?? {},
      // Choices that came with the provision file carry the operator's load as their record.
      recordedBy: record?.recordedBy ?? 'provision',
      recordedAt: record === undefined ? null : iso(record.recordedAtMs),
      basis: record?.basis ?? null,
      formRef: record?.formRef ?? null,
    };
  }

  app.get('/api/residents/:id/sharing', { config: { roles: ['admin', 'worker', 'doctor', 'family'] }, schema: { tags: ['sharing'], params: Params } }, async (request) => {
    const resident = readableResident(request, request.params.id);
    await logRead(request, resident.id, ['profile'], 'read_sharing');
    return sharingView(resident);
  });

  app.put(
    '/api/residents/:id/sharing',
    {
      config: { roles: ['admin', 'worker'] },
      schema: {
        tags: ['sharing'],
        params: Params,
        body: SharingBody,
        description: 'Records the resident’s choices (who recorded them, when, on what basis). In force at once: a withdrawal applies to the next page, read or stream message.',
      },
    },
    async (request) => {
      const resident = readableResident(request, request.params.id);
      const { sharing, basis, formRef } = request.body;
      const problems = sharingProblems(sharing, 'body/sharing');
      if (sharing === undefined || sharing === null) problems.push('body/sharing: required');
      if (basis === 'paper_form' && formRef === undefined) problems.push('body/formRef: a paper form needs its reference');
      if (problems.length > 0) throw new HttpError('GW_ERR_REGISTRY_INVALID', problems.join('; '));
      const principal = request.principal!;
      const recordedBy = principal.subject ?? principal.role;
      const { sharing: _old, ...rest } = resident;
      try {
        await deps.registry.replaceWith(
          'residents',
          { ...rest, sharing },
          {
            sharingRecord: {
              resident: resident.id,
              sharing: sharing as NonNullable<ResidentEntity['sharing']>,
              recordedBy,
              recordedAtMs: deps.now(),
              basis: basis as SharingBasis,
              formRef: formRef ?? null,
            },
          },
        );
      } catch (err) {
        if (err instanceof RegistryError) throw new HttpError(err.code === 'loading' ? 'GW_ERR_HTTP_NOT_READY' : 'GW_ERR_REGISTRY_INVALID', err.message);
        throw err;
      }
      request.log.info({ resident: resident.id, recordedBy, basis }, 'sharing choices recorded');
      return sharingView(deps.registry.get('residents', resident.id)!);
    },
  );

  app.get(
    '/api/residents/:id/vitals',
    {
      config: { roles: ['admin', 'worker', 'doctor', 'family'] },
      schema: {
        tags: ['sharing'],
        params: Params,
        querystring: Type.Object({ hours: Type.Integer({ minimum: 1, maximum: 24 * 31, default: 24 }) }, { additionalProperties: false }),
        description: 'Hourly min/mean/max of hr, spo2, sbp and dbp from the resident’s bracelets; 403 unless the resident shares vitals with the caller’s kind.',
      },
    },
    async (request) => {
      const resident = readableResident(request, request.params.id);
      const principal = request.principal!;
      const viewer = recipientOfRole(principal.role);
      if (viewer === undefined || !readableCategories(resident, viewer).has('vitals')) {
        throw new HttpError('GW_ERR_SHARING_NOT_SHARED', `resident "${resident.id}" does not share vitals with the ${principal.role} role`);
      }
      const toMs = deps.now();
      const fromMs = Math.floor((toMs - request.query.hours * HOUR_MS) / HOUR_MS) * HOUR_MS;
      const bracelets = deps.registry.list('devices').filter((d) => d.kind === 'bracelet' && d.resident === resident.id);
      const readings = (await Promise.all(bracelets.map((d) => deps.telemetry.readings(d.id, { fromMs, toMs, limit: 100_000 })))).flat();
      await logRead(request, resident.id, ['profile', 'vitals'], 'read_vitals');
      return { resident: resident.id, from: iso(fromMs), to: iso(toMs), units: { hr: 'bpm', spo2: '%', sbp: 'mmHg', dbp: 'mmHg' }, hours: hourlyVitals(readings, fromMs, toMs) };
    },
  );

  app.get(
    '/api/residents/:id/access-log',
    {
      config: { roles: ['admin', 'family'] },
      schema: { tags: ['sharing'], params: Params, querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 500 }) }, { additionalProperties: false }) },
    },
    async (request) => {
      const resident = readableResident(request, request.params.id);
      const entries = await deps.accessLog.query({ resident: resident.id, limit: request.query.limit });
      return { resident: resident.id, entries: entries.map(({ atMs, ...e }) => ({ at: iso(atMs), ...e, actorName: actorName(deps, e.actor) })) };
    },
  );

  app.get(
    '/api/departures',
    { config: { roles: ['admin'] }, schema: { tags: ['sharing'], description: 'What stays of residents who left the programme: anonymous counts of departures and of their alerts per month (UTC) and grid.' } },
    async () => deps.residentLeaving.counts(),
  );

  app.get('/api/audit', { config: { roles: ['admin'] }, schema: { tags: ['sharing'], querystring: AuditQuery, description: 'The access log, newest first; append-only (no route changes it).' } }, async (request) => {
    const q = request.query;
    const sinceMs = parseTime(q.since, 'since');
    const untilMs = parseTime(q.until, 'until');
    const entries = await deps.accessLog.query({
      limit: q.limit,
      ...(q.resident === undefined ? {} : { resident: q.resident }),
      ...(q.actor === undefined ? {} : { actor: q.actor }),
      ...(sinceMs === undefined ? {} : { sinceMs }),
      ...(untilMs === undefined ? {} : { untilMs }),
    });
    return { entries: entries.map(({ atMs, ...e }) => ({ at: iso(atMs), ...e })) };
  });
};

/** A family reads names, not ids. */
function actorName(deps: HttpDeps, actor: string): string | null {
  const { registry } = deps;
  const contact = /^contact:[^:]+:(.+)$/.exec(actor)?.[1];
  for (const resident of registry.list('residents')) {
    const found = resident.contacts.find((c) => c.id === actor || c.id === contact);
    if (found !== undefined) return found.name;
  }
  return registry.get('workers', actor)?.name ?? registry.get('doctors', actor)?.name ?? registry.get('responders', actor)?.name ?? null;
}
