import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Logger } from 'pino';
import type { Alert } from '../../rules/safety/index.js';
import type { AlertContext } from '../alerts/alert-context.js';
import type { AlertService } from '../alerts/alert-service.js';
import { systemNote } from '../alerts/system-notes.js';
import { resolvePerson } from '../pager/recipients.js';
import type { Registry } from '../registry/registry.js';
import type { Dispatch120Endpoint } from '../registry/schemas.js';
import type { OutboxClaim } from '../pager/outbox-claim.js';
import { isCriticalVitals, sharesWith } from '../sharing/sharing-policy.js';
import type { Handoff, HandoffStore } from './handoff-store.js';
import { renderHandoff, type HandoffValues } from './handoff-template.js';

export interface HandoffDeps {
  store: HandoffStore;
  registry: Registry;
  alerts: AlertService;
  endpoint: Dispatch120Endpoint | undefined;
  context(alert: Alert): AlertContext;
  timeoutMs: number;
  /** This gateway's name in the shared outbox, and how long it holds a handoff it took. */
  claim: OutboxClaim;
  log: Logger;
  now(): number;
}

/** Attempts before the timeline says the centre could not be reached (the sends go on, slower). */
const LOUD_AFTER = 3;
const RETRY_MS = 15_000;
/** Sends started per tick. */
const SENDS_PER_TICK = 20;

/** Whether this alert is one the grid's policy hands to 120, and since when it has waited. */
function triggered(registry: Registry, alert: Alert): number | undefined {
  const policy = registry.get('grids', alert.grid)?.dispatch120;
  if (policy === undefined || alert.state !== 'open') return undefined;
  const trigger = alert.kind === 'vitals' ? (isCriticalVitals(alert) ? 'vitals_critical' : undefined) : alert.kind;
  if (trigger === undefined || !(policy.on as readonly string[]).includes(trigger)) return undefined;
  return alert.createdAt + policy.afterS * 1000;
}

/**
 * The 120 handoff: an emergency nobody acked within the grid's `dispatch120.afterS` is sent once
 * to the dispatch centre. The handoff row (keyed by the alert) is the outbox: written before the
 * send, so a restart resends one cut off (same Idempotency-Key) and never makes a second. Gateways
 * sharing the outbox each send only the handoffs they claimed.
 */
export function createHandoffService(deps: HandoffDeps) {
  const { store, registry, alerts, endpoint, log } = deps;
  const inFlight = new Set<string>();

  function values(alert: Alert): HandoffValues {
    const context = deps.context(alert);
    const resident = registry.get('residents', alert.subject);
    // Medical facts only as the resident allows them to doctors or responders; the place always (the emergency rule).
    const conditions = resident !== undefined && (sharesWith(resident, 'conditions', 'responder') || sharesWith(resident, 'conditions', 'doctor')) ? resident.conditions.join(', ') : '';
    const paged = [...new Set(alert.timeline.flatMap((e) => (e.type === 'delivered' ? [e.to] : [])))];
    const onTheWay = (alert.assignee === null ? paged : [alert.assignee]).map((id) => resolvePerson(registry, id)?.name ?? id);
    return {
      alertId: alert.id,
      kind: alert.kind,
      severity: alert.severity,
      createdAt: new Date(alert.createdAt).toISOString(),
      residentName: resident?.name ?? '',
      address: resident?.address ?? '',
      accessNotes: resident?.accessNotes ?? '',
      lat: context.location === null ? 'null' : String(context.location.lat),
      lon: context.location === null ? 'null' : String(context.location.lon),
      conditions,
      aeds: context.nearestAeds.map((a) => `${a.description ?? a.id} ${Math.round(a.distanceM)} m`).join('; '),
      onTheWay: onTheWay.join(', '),
      text: `${alert.kind} ${resident?.name ?? alert.subject}${resident?.address === undefined ? '' : `, ${resident.address}`}`,
    };
  }

  const unrecorded = (alertId: string) => (err: unknown) => log.error({ err, alertId }, 'a 120 handoff step was not recorded on the alert');

  async function send(handoff: Handoff, nowMs: number): Promise<void> {
    if (endpoint === undefined) return;
    // Still ours? A gateway held up past its hold (a paused process) finds it another's, or sent: not sent twice.
    if (!(await store.renewClaim(handoff.alertId, deps.claim.claimant, deps.now(), deps.claim.holdMs))) {
      log.warn({ alertId: handoff.alertId }, '120 handoff taken over by another gateway or already sent; not sent from here');
      return;
    }
    let reply: string;
    try {
      reply = await post(endpoint, handoff.body, `handoff-${handoff.alertId}`, deps.timeoutMs);
    } catch (err) {
      const attempt = handoff.attempt + 1;
      const message = (err as Error).message;
      await store.markFailed(handoff.alertId, { attempt, nextAttemptAtMs: nowMs + RETRY_MS * Math.min(attempt, 4), error: message });
      log.warn({ alertId: handoff.alertId, attempt, err: message }, '120 handoff not delivered');
      if (attempt === 1 || attempt === LOUD_AFTER) await alerts.record(handoff.alertId, systemNote('handoffRetrying', { attempt }, nowMs, message)).catch(unrecorded(handoff.alertId));
      return;
    }
    const reference = referenceOf(reply);
    await store.markSent(handoff.alertId, reference);
    const said = reply.slice(0, 300);
    await alerts.record(handoff.alertId, reference === null ? systemNote('handoffSent', {}, nowMs, said) : systemNote('handoffSentReference', { reference }, nowMs, said)).catch(unrecorded(handoff.alertId));
    log.info({ alertId: handoff.alertId, reference }, '120 handoff accepted');
  }

  return {
    /** Queues the handoffs now due, then sends what is pending; resolves when the sends have settled. */
    async tick(nowMs: number): Promise<void> {
      if (endpoint === undefined) return;
      for (const alert of alerts.activeAlerts()) {
        const dueAtMs = triggered(registry, alert);
        if (dueAtMs === undefined || nowMs < dueAtMs) continue;
        const body = renderHandoff(endpoint, values(alert));
        if (await store.queue(alert.id, body, nowMs)) {
          await alerts.record(alert.id, systemNote('handoffStarting', {}, nowMs)).catch(unrecorded(alert.id));
        }
      }
      const due = (await store.claimDue(nowMs, deps.claim.claimant, deps.claim.holdMs, SENDS_PER_TICK)).filter((h) => !inFlight.has(h.alertId));
      await Promise.all(
        due.map(async (handoff) => {
          inFlight.add(handoff.alertId);
          try {
            await send(handoff, nowMs);
          } finally {
            inFlight.delete(handoff.alertId);
          }
        }),
      );
    },
  };
}

export type HandoffService = ReturnType<typeof createHandoffService>;

/** The centre's reference from its reply: `reference`, `ref` or `id` of a JSON body. */
function referenceOf(reply: string): string | null {
  try {
    const body = JSON.parse(reply) as Record<string, unknown>;
    for (const key of ['reference', 'ref', 'id']) if (typeof body[key] === 'string' || typeof body[key] === 'number') return String(body[key]);
  } catch {
    // Not JSON: the reply goes on the timeline as text.
  }
  return null;
}

function post(endpoint: Dispatch120Endpoint, body: string, idempotencyKey: string, timeoutMs: number): Promise<string> {
  const target = new URL(endpoint.url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(
      target,
      {
        method: 'POST',
        headers: { 'content-type': endpoint.contentType ?? 'application/json', 'idempotency-key': idempotencyKey, ...endpoint.headers, 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (c: Buffer) => chunks.push(c));
        response.once('end', () => {
          clearTimeout(deadline);
          const status = response.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8');
          if (status < 200 || status > 299) reject(new Error(`HTTP ${status}`));
          else resolve(text);
        });
        response.once('error', () => reject(new Error('answer cut off')));
      },
    );
    const deadline = setTimeout(() => request.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    request.once('error', (err: Error & { code?: string }) => {
      clearTimeout(deadline);
      reject(new Error(err.code === undefined ? err.message : `could not connect: ${err.code}`));
    });
    request.end(body);
  });
}
