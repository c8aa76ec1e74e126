import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Id } from '../../registry/schemas.js';
import type { HttpDeps } from '../deps.js';
import { HttpError, ErrorBody } from '../../errors/http-errors.js';
import { ROLES } from '../../auth/token-store.js';
import { residentOfContact } from '../../sharing/sharing-policy.js';

const IssueBody = Type.Object(
  {
    role: Type.Union(ROLES.map((r) => Type.Literal(r))),
    subject: Type.Optional(Id),
    label: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const tokenRoutes: FastifyPluginAsync<HttpDeps> = async (fastify, deps) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/api/tokens',
    {
      config: { roles: ['admin'] },
      schema: {
        tags: ['auth'],
        description: 'Issues a token; the plain token is in this response only. Workers, responders and doctors name their account as subject; a family token names the resident’s contact id.',
        body: IssueBody,
        response: { 201: Type.Object({ id: Type.String(), token: Type.String(), role: Type.String(), subject: Type.Union([Type.String(), Type.Null()]) }), 400: ErrorBody },
      },
    },
    async (request, reply) => {
      const { role, subject, label } = request.body;
      if (role === 'worker' || role === 'responder') {
        if (subject === undefined) throw new HttpError('GW_ERR_HTTP_BAD_REQUEST', `body/subject: a ${role} token needs the ${role}'s id`);
        if (!deps.registry.has(role === 'worker' ? 'workers' : 'responders', subject)) {
          throw new HttpError('GW_ERR_REGISTRY_MISSING_REFERENCE', `body/subject: no ${role} "${subject}"`);
        }
      }
      if (role === 'doctor') {
        if (subject === undefined) throw new HttpError('GW_ERR_HTTP_BAD_REQUEST', 'body/subject: a doctor token needs the doctor’s id');
        if (!deps.registry.has('doctors', subject)) throw new HttpError('GW_ERR_REGISTRY_MISSING_REFERENCE', `body/subject: no doctor "${subject}"`);
      }
      if (role === 'family') {
        // A family token reads one resident: the contact id must name exactly one resident's contact.
        if (subject === undefined) throw new HttpError('GW_ERR_HTTP_BAD_REQUEST', 'body/subject: a family token needs the contact’s id (residents/…/contacts/…/id)');
        const residents = residentOfContact(deps.registry, subject).map((f) => f.resident.id);
        if (residents.length === 0) throw new HttpError('GW_ERR_REGISTRY_MISSING_REFERENCE', `body/subject: no resident has a contact with id "${subject}"`);
        if (residents.length > 1) throw new HttpError('GW_ERR_REGISTRY_INVALID', `body/subject: contact id "${subject}" is named by residents ${residents.join(', ')}; give each relative's contact its own id`);
      }
      const issued = await deps.tokens.issue(role, subject ?? null, label ?? null);
      request.log.info({ tokenId: issued.id, role, subject }, 'token issued');
      return reply.status(201).send({ id: issued.id, token: issued.token, role, subject: subject ?? null });
    },
  );

  app.delete(
    '/api/tokens/:id',
    { config: { roles: ['admin'] }, schema: { tags: ['auth'], params: Type.Object({ id: Type.String({ maxLength: 100 }) }) } },
    async (request, reply) => {
      if (!(await deps.tokens.revoke(request.params.id))) throw new HttpError('GW_ERR_HTTP_NOT_FOUND', `no active token "${request.params.id}"`);
      return reply.status(204).send();
    },
  );
};
