import { Type, type TSchema } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { RegistryError } from '../../registry/registry.js';
import { COLLECTIONS, COLLECTION_NAMES, Id, type ResidentEntity } from '../../registry/schemas.js';
import { shareResident } from '../../sharing/resident-sharing.js';
import { recipientOfRole } from '../../sharing/viewer.js';
import { mayReadResident } from '../../sharing/visibility.js';
import { sharingProblems } from '../../registry/sharing-check.js';
import type { HttpDeps } from '../deps.js';
import type { Principal } from '../../auth/token-store.js';
import { HttpError } from '../../errors/http-errors.js';

const IdParams = Type.Object({ id: Id });

/**
 * What `GET /api/{collection}/:id` adds to the entry: the gateway's own view of it, read-only.
 * A PUT takes and ignores these, so what a GET answered can be edited and sent back whole.
 */
const READ_ONLY_FIELDS: Partial<Record<string, readonly string[]>> = {
  devices: ['status', 'rejections'],
  aeds: ['state', 'monitored', 'restockPending'],
};

/** `GET/PUT/DELETE /api/{collection}[/:id]`: the registry, admin only; PUT takes a provision-file entry. */
export const registryRoutes: FastifyPluginAsync<HttpDeps> = async (fastify, deps) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const leave = async (id: string, principal: Principal): Promise<void> => {
    try {
      await deps.residentLeaving.leave(id, { actor: principal.subject ?? principal.role, role: principal.role });
    } catch (err) {
      throw toHttpError(err);
    }
  };
  /** GET /api/residents/:id: shaped for the caller's kind and logged like every read of a resident. */
  const readResident = async (principal: Principal, resident: ResidentEntity): Promise<object> => {
    if (!mayReadResident(deps.registry, principal, resident.id)) throw new HttpError('GW_ERR_AUTH_FORBIDDEN', `the ${principal.role} token may not read resident "${resident.id}"`);
    const { resident: shaped, disclosed } = shareResident(resident, recipientOfRole(principal.role) ?? 'worker');
    const atMs = deps.now();
    const base = { atMs, actor: principal.subject ?? principal.role, role: principal.role, resident: resident.id, action: 'read_resident', ground: 'consent' as const };
    await deps.accessLog.record([{ ...base, category: 'profile' }, ...disclosed.map((category) => ({ ...base, category }))]);
    return shaped;
  };
  for (const collection of COLLECTION_NAMES) {
    const schema = COLLECTIONS[collection] as TSchema;
    const tags = ['registry'];

    app.get(`/api/${collection}`, { config: { roles: ['admin'] }, schema: { tags } }, async () => ({ items: deps.registry.list(collection) }));

    // A resident's entry is read by those who care for them too, within the sharing choices.
    const readers = collection === 'residents' ? (['admin', 'worker', 'doctor', 'family'] as const) : (['admin'] as const);
    app.get(`/api/${collection}/:id`, { config: { roles: readers }, schema: { tags, params: IdParams } }, async (request) => {
      const entry = deps.registry.get(collection, request.params.id);
      if (entry === undefined) throw new HttpError('GW_ERR_HTTP_NOT_FOUND', `no ${collection.replace(/s$/, '')} "${request.params.id}"`);
      if (collection === 'residents') return readResident(request.principal!, entry as ResidentEntity);
      if (collection === 'devices') {
        return { ...entry, status: (await deps.deviceState.statusOf(request.params.id)) ?? null, rejections: await deps.rejections.statsOf(request.params.id) };
      }
      if (collection === 'aeds') {
        const cabinet = deps.aed.cabinet(request.params.id);
        // A cabinet that never reported is assumed ready and said to be unmonitored.
        return { ...entry, state: cabinet?.status ?? 'ready', monitored: cabinet !== undefined, restockPending: cabinet?.restockPending ?? false };
      }
      return entry;
    });

    app.put(
      `/api/${collection}/:id`,
      {
        config: { roles: ['admin'] },
        schema: { tags, params: IdParams, body: schema },
        // A wrong sharing choice is named plainly (the schema's message names no value).
        preValidation: async (request) => {
          const body = request.body;
          if (typeof body !== 'object' || body === null || Array.isArray(body)) return;
          if (collection === 'residents') {
            const problems = sharingProblems((body as { sharing?: unknown }).sharing, 'body/sharing');
            if (problems.length > 0) throw new HttpError('GW_ERR_REGISTRY_INVALID', problems.join('; '));
          }
          for (const field of READ_ONLY_FIELDS[collection] ?? []) delete (body as Record<string, unknown>)[field];
        },
      },
      async (request, reply) => {
        const body = request.body as { id?: unknown };
        if (body.id !== request.params.id) {
          throw new HttpError('GW_ERR_HTTP_BAD_REQUEST', `body/id: "${String(body.id)}" does not match the path id "${request.params.id}"`);
        }
        try {
          const { created, entry } = await deps.registry.put(collection, body);
          request.log.info({ collection, id: request.params.id, created }, 'registry entry saved');
          return reply.status(created ? 201 : 200).send(entry);
        } catch (err) {
          throw toHttpError(err);
        }
      },
    );

    const description =
      collection === 'residents'
        ? 'The resident leaves the programme: their personal fields, bracelets, readings, alerts, sharing records and family tokens are removed, anonymous counts kept (README, "Leaving the programme"); 409 GW_ERR_RESIDENT_EMERGENCY_OPEN while an emergency of theirs is open.'
        : 'Removes the entry; 409 while another entry refers to it.';
    app.delete(`/api/${collection}/:id`, { config: { roles: ['admin'] }, schema: { tags, params: IdParams, description } }, async (request, reply) => {
      if (collection === 'residents') {
        await leave(request.params.id, request.principal!);
        return reply.status(204).send();
      }
      try {
        if (!(await deps.registry.delete(collection, request.params.id))) {
          throw new HttpError('GW_ERR_HTTP_NOT_FOUND', `no ${collection.replace(/s$/, '')} "${request.params.id}"`);
        }
      } catch (err) {
        throw toHttpError(err);
      }
      request.log.info({ collection, id: request.params.id }, 'registry entry deleted');
      return reply.status(204).send();
    });
  }
};

function toHttpError(err: unknown): unknown {
  if (!(err instanceof RegistryError)) return err;
  switch (err.code) {
    case 'invalid':
      return new HttpError('GW_ERR_REGISTRY_INVALID', err.message);
    case 'missing_reference':
      return new HttpError('GW_ERR_REGISTRY_MISSING_REFERENCE', err.message);
    case 'in_use':
      return new HttpError('GW_ERR_REGISTRY_IN_USE', err.message);
    case 'not_found':
      return new HttpError('GW_ERR_HTTP_NOT_FOUND', err.message);
    case 'loading':
      return new HttpError('GW_ERR_HTTP_NOT_READY', err.message);
    case 'emergency_open':
      return new HttpError('GW_ERR_RESIDENT_EMERGENCY_OPEN', err.message);
  }
}
