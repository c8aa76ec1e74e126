import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { TELEMETRY_FIELDS } from '../../../sensors/index.js';
import { Id } from '../../registry/schemas.js';
import type { HttpDeps } from '../deps.js';
import { HttpError } from '../../errors/http-errors.js';
import type { Principal } from '../../auth/token-store.js';
import { recipientOfRole } from '../../sharing/viewer.js';
import { readableCategories, shareReadingValues } from '../../sharing/reading-sharing.js';
import { mayReadResident } from '../../sharing/visibility.js';

const DAY_MS = 24 * 3600_000;
/** The last instant a JavaScript Date can hold (ECMA-262 §21.4.1.22): 8.64e15 ms after the epoch. */
const MAX_TIME_MS = 8.64e15;

const ReadingsQuery = Type.Object(
  {
    from: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: MAX_TIME_MS }), Type.String({ minLength: 10, maxLength: 40 })])),
    to: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: MAX_TIME_MS }), Type.String({ minLength: 10, maxLength: 40 })])),
    limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 }),
  },
  { additionalProperties: false },
);

export const deviceRoutes: FastifyPluginAsync<HttpDeps> = async (fastify, deps) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/api/devices/:id/readings',
    {
      config: { roles: ['admin', 'worker', 'bureau', 'doctor', 'family'] },
      schema: {
        tags: ['devices'],
        description: 'A device’s stored readings, oldest first. `from`/`to` are epoch milliseconds or ISO 8601; default the last 24 hours.',
        params: Type.Object({ id: Id }),
        querystring: ReadingsQuery,
      },
    },
    async (request) => {
      const { id } = request.params;
      const device = deps.registry.get('devices', id);
      if (device === undefined || !mayRead(deps, request.principal!, id)) {
        // The same answer for "absent" and "not yours": ids of other grids' devices do not leak.
        throw new HttpError('GW_ERR_HTTP_NOT_FOUND', `no device "${id}"`);
      }
      const toMs = parseTime(request.query.to, 'to') ?? deps.now();
      const fromMs = parseTime(request.query.from, 'from') ?? toMs - DAY_MS;
      if (fromMs > toMs) throw new HttpError('GW_ERR_HTTP_BAD_REQUEST', 'querystring/from: must not be after "to"');
      const readings = await deps.telemetry.readings(id, { fromMs, toMs, limit: request.query.limit });
      const principal = request.principal!;
      const resident = device.resident === undefined ? undefined : deps.registry.get('residents', device.resident);
      // A bracelet's readings show only the categories the resident shares with the caller's kind.
      const readable = resident === undefined ? undefined : readableCategories(resident, recipientOfRole(principal.role) ?? 'worker');
      if (resident !== undefined && readable !== undefined) {
        await deps.accessLog.record(
          ['profile' as const, ...readable].map((category) => ({
            atMs: deps.now(),
            actor: principal.subject ?? principal.role,
            role: principal.role,
            resident: resident.id,
            category,
            action: 'read_readings',
            ground: 'consent' as const,
          })),
        );
      }
      const units = Object.fromEntries(
        Object.entries(TELEMETRY_FIELDS[device.kind]).flatMap(([field, spec]) => (spec.unit === undefined ? [] : [[field, spec.unit]])),
      );
      return {
        deviceId: id,
        kind: device.kind,
        from: new Date(fromMs).toISOString(),
        to: new Date(toMs).toISOString(),
        units,
        readings: readings.map((r) => ({ ts: r.tsMs, receivedAt: r.receivedAtMs, ...(readable === undefined ? r.values : shareReadingValues(r.values, readable)) })),
      };
    },
  );
};

function parseTime(value: number | string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms) || ms < 0 || ms > MAX_TIME_MS) throw new HttpError('GW_ERR_HTTP_BAD_REQUEST', `querystring/${name}: not a time (epoch ms or ISO 8601, from 1970 to the year 275760)`);
  return ms;
}

/** Workers read the bracelets of their grids' residents; bureau staff read air stations only. */
function mayRead(deps: HttpDeps, principal: Principal, deviceId: string): boolean {
  const device = deps.registry.get('devices', deviceId);
  if (device === undefined) return false;
  switch (principal.role) {
    case 'admin':
      return true;
    case 'bureau':
      return device.kind === 'air';
    case 'worker': {
      const worker = principal.subject === null ? undefined : deps.registry.get('workers', principal.subject);
      if (worker === undefined) return false;
      const grid =
        device.resident !== undefined ? deps.registry.get('residents', device.resident)?.grid : device.aed !== undefined ? deps.registry.get('aeds', device.aed)?.grid : undefined;
      return grid !== undefined && worker.grids.includes(grid);
    }
    case 'doctor':
    case 'family':
      return device.resident !== undefined && mayReadResident(deps.registry, principal, device.resident);
    case 'responder':
    case 'dispatcher':
      return false;
  }
}
