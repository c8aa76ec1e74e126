import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ALERT_KINDS, ALERT_STATES, type Alert, type AlertKind, type AlertState } from '../../../rules/safety/index.js';
import type { AlertFilter } from '../../alerts/alert-store.js';
import { AlertNotesFull, peopleNotes } from '../../alerts/alert-service.js';
import { alertVisibility, presentAlert, visibleGrids, type AlertView } from '../../alerts/alert-view.js';
import type { AlertContext } from '../../alerts/alert-context.js';
import type { AccessEntry } from '../../audit/access-log.js';
import { contactId } from '../../pager/recipients.js';
import { shareAlert, type SharedAlert } from '../../alerts/alert-sharing.js';
import { recipientOfRole } from '../../sharing/viewer.js';
import { accessEntriesFor } from '../../alerts/page-sharing.js';
import { residentOfContact } from '../../sharing/sharing-policy.js';
import { residentsOf } from '../../sharing/visibility.js';
import type { HttpDeps } from '../deps.js';
import { HttpError } from '../../errors/http-errors.js';
import type { Principal } from '../../auth/token-store.js';

const AlertId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });
const NoteBody = Type.Object({ note: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false });
const ListQuery = Type.Object(
  {
    state: Type.Optional(Type.String({ description: 'open, acked, resolved; several separated by commas' })),
    grid: Type.Optional(Type.String()),
    kind: Type.Optional(Type.String({ description: 'alert kinds, separated by commas' })),
    since: Type.Optional(Type.String({ description: 'epoch ms or ISO 8601: alerts changed since then' })),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 200 }),
    drill: Type.Optional(
      Type.Union([Type.Literal('exclude'), Type.Literal('include'), Type.Literal('only')], { description: 'drill alerts: left out by default' }),
    ),
  },
  { additionalProperties: false },
);
const StreamQuery = Type.Object(
  { ticket: Type.Optional(Type.String({ maxLength: 100, description: 'a one-use ticket from POST /api/stream-tickets, for clients that cannot send headers' })) },
  { additionalProperties: false },
);
/** The most alert rows one list request reads to find what the caller may see. */
const MAX_SCANNED_ALERTS = 20_000;
/** Alerts about one resident this close together read as one incident. */
const INCIDENT_WINDOW_MS = 10 * 60_000;

function listOf<T extends string>(raw: string | undefined, allowed: readonly T[], field: string): T[] | undefined {
  if (raw === undefined || raw === '') return undefined;
  const values = raw.split(',').map((v) => v.trim());
  const wrong = values.filter((v) => !(allowed as readonly string[]).includes(v));
  if (wrong.length > 0) throw new HttpError('GW_ERR_HTTP_BAD_REQUEST', `querystring/${field}: unknown value(s) ${wrong.join(', ')}; one of ${allowed.join(', ')}`);
  return values as T[];
}

function parseSince(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const ms = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(ms)) throw new HttpError('GW_ERR_HTTP_BAD_REQUEST', `querystring/since: "${raw}" is neither epoch milliseconds nor an ISO 8601 time`);
  return ms;
}

function actorOf(deps: HttpDeps, principal: Principal): string {
  if (principal.role === 'family' && principal.subject !== null) {
    // The contact as pages and the bracelet name them, so the wearer hears who is coming.
    const [found] = residentOfContact(deps.registry, principal.subject);
    if (found !== undefined) return contactId(found.resident.id, found.index, principal.subject);
  }
  return principal.subject ?? principal.role;
}

/** May see resident data (names, addresses, family contacts). */
function seesResidents(principal: Principal): boolean {
  return principal.role === 'admin' || principal.role === 'worker' || principal.role === 'doctor' || principal.role === 'family';
}

/** CONTRACT.md §3: alerts visible to the caller, their timelines, ack and resolve, the SSE stream. */
export const alertRoutes: FastifyPluginAsync<HttpDeps> = async (fastify, deps) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const readers = { roles: ['admin', 'worker', 'doctor', 'family'] as const };
  const handlers = { roles: ['admin', 'worker', 'doctor'] as const };
  /** A family member acks ("I'm going") and writes notes; resolving is for those who looked after it. */
  const ackers = { roles: ['admin', 'worker', 'doctor', 'family'] as const };

  /** The alert as this caller may see it under the resident's sharing choices, the read logged. */
  function shaped<V extends AlertView>(request: FastifyRequest, alert: Alert, view: V, context: AlertContext | null, action: string, log: AccessEntry[]): SharedAlert<V> {
    const principal = request.principal!;
    const viewer = recipientOfRole(principal.role) ?? 'worker';
    const shared = shareAlert(deps.registry, viewer, alert, view, context);
    if (deps.registry.has('residents', alert.subject)) {
      log.push(...accessEntriesFor({ atMs: deps.now(), actor: principal.subject ?? principal.role, role: principal.role, action }, alert, shared.grounds));
    }
    return shared;
  }

  /**
   * The newest `limit` alerts the caller may see: the row limit applies after the visibility filter,
   * so a doctor's few patients among a busy grid's alerts are not cut off by other residents' rows.
   */
  async function listVisible(filter: AlertFilter, visible: (alert: Alert) => boolean, limit: number): Promise<Alert[]> {
    let fetch = limit;
    for (;;) {
      const rows = await deps.alerts.list({ ...filter, limit: fetch });
      const seen = rows.filter(visible);
      if (seen.length >= limit || rows.length < fetch || fetch >= MAX_SCANNED_ALERTS) return seen.slice(0, limit);
      fetch = Math.min(fetch * 4, MAX_SCANNED_ALERTS);
    }
  }

  /** The alert if the caller may see it: 404 when absent, 403 when it is another grid's. */
  async function visibleAlert(request: FastifyRequest, id: string): Promise<Alert> {
    const alert = await deps.alerts.get(id);
    if (alert === undefined) throw new HttpError('GW_ERR_HTTP_NOT_FOUND', `no alert "${id}"`);
    if (!alertVisibility(deps.registry, request.principal!)(alert)) {
      request.log.warn({ alertId: id, tokenId: request.principal!.tokenId }, 'alert outside the caller’s grids');
      throw new HttpError('GW_ERR_AUTH_FORBIDDEN', `alert "${id}" is not in your grids`);
    }
    return alert;
  }

  app.get('/api/alerts', { config: readers, schema: { tags: ['alerts'], querystring: ListQuery, description: 'Alerts visible to the caller, newest first.' } }, async (request) => {
    const q = request.query;
    const principal = request.principal!;
    const allowedGrids = visibleGrids(deps.registry, principal);
    const asked = q.grid === undefined || q.grid === '' ? undefined : q.grid.split(',');
    const grids = asked === undefined ? allowedGrids : allowedGrids === undefined ? asked : asked.filter((g) => allowedGrids.includes(g));
    const visible = alertVisibility(deps.registry, principal);
    const filter: AlertFilter = { limit: q.limit, drills: q.drill ?? 'exclude' };
    const state = listOf<AlertState>(q.state, ALERT_STATES, 'state');
    const kinds = listOf<AlertKind>(q.kind, ALERT_KINDS, 'kind');
    const sinceMs = parseSince(q.since);
    if (state !== undefined) filter.state = state;
    if (kinds !== undefined) filter.kinds = kinds;
    if (grids !== undefined) filter.grids = grids;
    if (sinceMs !== undefined) filter.sinceMs = sinceMs;
    // A family token has one relative: ask the store for theirs alone.
    const own = principal.role === 'family' ? residentsOf(deps.registry, principal) : [];
    if (own.length === 1) filter.subject = own[0]!.id;
    const alerts = await listVisible(filter, visible, q.limit);
    const log: AccessEntry[] = [];
    const views = alerts.map((alert) => shaped(request, alert, presentAlert(alert), null, 'read_alerts', log).alert);
    await deps.accessLog.record(log);
    return { alerts: views };
  });

  app.get(
    '/api/alerts/stream',
    {
      config: { ...readers, streamTicket: true },
      schema: {
        tags: ['alerts'],
        description:
          'Server-Sent Events: `alert` events carry {change, alert}. Reconnect with Last-Event-ID to catch up. ' +
          'A browser’s EventSource, which cannot send the Authorization header, passes `ticket` from POST /api/stream-tickets instead.',
        querystring: StreamQuery,
      },
    },
    (request, reply) => {
      const principal = request.principal!;
      const visible = alertVisibility(deps.registry, principal);
      const viewer = recipientOfRole(principal.role) ?? 'worker';
      deps.alertHub.attach(
        request,
        reply,
        (data) => visible(data.alert),
        { event: 'hello', data: { role: principal.role } },
        (data) => {
          const shared = shareAlert(deps.registry, viewer, data.alert, data.alert, null);
          // What the stream carries of a resident is a read like any other (README, access log).
          if (deps.registry.has('residents', data.alert.subject)) {
            deps.accessLog
              .record(accessEntriesFor({ atMs: deps.now(), actor: principal.subject ?? principal.role, role: principal.role, action: 'stream' }, data.alert, shared.grounds))
              .catch((err: unknown) => request.log.error({ err, alertId: data.alert.id }, 'a streamed read was not written to the access log'));
          }
          return { ...data, alert: shared.alert };
        },
      );
    },
  );

  app.get('/api/alerts/:id', { config: readers, schema: { tags: ['alerts'], params: Type.Object({ id: AlertId }) } }, async (request) => {
    const alert = await visibleAlert(request, request.params.id);
    const principal = request.principal!;
    const related = (await deps.alerts.list({ subject: alert.subject, limit: 50 }))
      .filter((a) => a.id !== alert.id && Math.abs(a.createdAt - alert.createdAt) <= INCIDENT_WINDOW_MS)
      .filter(alertVisibility(deps.registry, principal));
    const log: AccessEntry[] = [];
    const shared = shaped(request, alert, presentAlert(alert), seesResidents(principal) ? deps.alertContext(alert) : null, 'read_alert', log);
    await deps.accessLog.record(log);
    return {
      ...shared.alert,
      context: shared.context,
      related: related.map((a) => shareAlert(deps.registry, recipientOfRole(principal.role) ?? 'worker', a, presentAlert(a), null).alert),
    };
  });

  for (const action of ['ack', 'resolve'] as const) {
    app.post(
      `/api/alerts/:id/${action}`,
      {
        config: action === 'ack' ? ackers : handlers,
        schema: { tags: ['alerts'], params: Type.Object({ id: AlertId }), body: Type.Optional(NoteBody), description: `Idempotent: a second ${action} changes nothing and answers the same.` },
      },
      async (request) => {
        const alert = await visibleAlert(request, request.params.id);
        const note = request.body?.note;
        const by = actorOf(deps, request.principal!);
        const updated = action === 'ack' ? await deps.alerts.ack(alert.id, by, note) : await deps.alerts.resolve(alert.id, by, note);
        request.log.info({ alertId: alert.id, by, action }, `alert ${action}`);
        return shareAlert(deps.registry, recipientOfRole(request.principal!.role) ?? 'worker', updated!, presentAlert(updated!), null).alert;
      },
    );
  }

  app.post(
    '/api/alerts/:id/notes',
    { config: ackers, schema: { tags: ['alerts'], params: Type.Object({ id: AlertId }), body: Type.Object({ text: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false }) } },
    async (request) => {
      const alert = await visibleAlert(request, request.params.id);
      const by = actorOf(deps, request.principal!);
      // Every note travels with the alert (API, stream, pages): their number is bounded, counted
      // again inside the change so two notes sent together cannot both take the last place.
      const full = (notes: number): never => {
        request.log.warn({ alertId: alert.id, by, notes }, 'note refused: the alert has as many as allowed');
        throw new HttpError('GW_ERR_ALERT_TOO_MANY_NOTES', `this alert has ${notes} notes, the most allowed (alerts.maxNotesPerAlert); ack and resolve still take a note`);
      };
      if (peopleNotes(alert) >= deps.maxNotesPerAlert) full(peopleNotes(alert));
      let noted: Alert;
      try {
        noted = (await deps.alerts.note(alert.id, request.body.text, by, deps.maxNotesPerAlert))!;
      } catch (err) {
        if (err instanceof AlertNotesFull) return full(err.notes);
        throw err;
      }
      return shareAlert(deps.registry, recipientOfRole(request.principal!.role) ?? 'worker', noted, presentAlert(noted), null).alert;
    },
  );
};
