import type { Logger } from 'pino';
import type { GatewayMetrics } from '../metrics.js';
import type { ChannelSender } from '../pager/channels.js';
import type { OutboxClaim } from '../pager/outbox-claim.js';
import type { RetryPolicy } from '../pager/pager.js';
import type { EmergencyMessage, EmergencyStore } from './emergency-store.js';

export interface EmergencyMessengerDeps {
  store: EmergencyStore;
  send: ChannelSender;
  retry: RetryPolicy;
  /** This messenger's name in the shared outbox, and how long it holds a message it took. */
  claim: OutboxClaim;
  metrics: GatewayMetrics;
  log: Logger;
  now(): number;
}

/**
 * Sends what the emergencies' outbox holds, as the alert pager does: retries with backoff on one
 * route, then the next route; the row is updated after each attempt, so a restart resumes where it
 * stopped and a delivered page is never sent again (a send cut off by a crash is repeated with the
 * same Idempotency-Key). Gateways sharing the outbox each send only the messages they claimed.
 */
export class EmergencyMessenger {
  private readonly inFlight = new Map<number, Promise<void>>();
  private closed = false;

  constructor(private readonly deps: EmergencyMessengerDeps) {}

  async runDue(): Promise<void> {
    if (this.closed) return;
    const { claimant, holdMs } = this.deps.claim;
    const due = await this.deps.store.claimDueMessages(this.deps.now(), claimant, holdMs);
    if (this.closed) return;
    const started: Promise<void>[] = [];
    for (const message of due) {
      if (this.inFlight.has(message.id)) continue;
      const work = this.run(message)
        .catch((err: unknown) => this.deps.log.error({ err, messageId: message.id }, 'emergency message failed unexpectedly'))
        .finally(() => this.inFlight.delete(message.id));
      this.inFlight.set(message.id, work);
      started.push(work);
    }
    await Promise.all(started);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.inFlight.values());
  }

  private async run(message: EmergencyMessage): Promise<void> {
    const { deps } = this;
    for (;;) {
      const route = message.routes[message.routeIndex];
      if (route === undefined) {
        await deps.store.updateMessage({ ...message, state: 'failed' }, deps.now());
        return;
      }
      const channel = route.channel.type;
      // Still ours? A messenger held up past its hold (a paused process) finds it another's, or sent: not sent twice.
      if (!(await deps.store.renewMessageClaim(message.id, deps.claim.claimant, deps.now(), deps.claim.holdMs))) {
        deps.log.warn({ emergencyId: message.emergencyId, purpose: message.purpose, to: route.to }, 'emergency message taken over by another gateway or already sent; not sent from here');
        return;
      }
      let sent = false;
      try {
        await deps.send(route, { type: 'emergency', emergencyId: message.emergencyId, ...message.body }, `emergency-${message.id}-${message.routeIndex}`);
        sent = true;
      } catch (err) {
        const nowMs = deps.now();
        const attempt = message.attempt + 1;
        const error = `attempt ${attempt} of ${deps.retry.maxAttempts}: ${(err as Error).message}`;
        deps.metrics.pageAttempts.inc({ channel, outcome: 'failed' });
        deps.log.warn({ emergencyId: message.emergencyId, purpose: message.purpose, to: route.to, channel, error }, 'emergency message not delivered');
        if (attempt < deps.retry.maxAttempts) {
          await deps.store.updateMessage({ ...message, attempt, nextAttemptAtMs: nowMs + deps.retry.backoffMs * 2 ** (attempt - 1), lastError: error }, nowMs);
          return;
        }
        Object.assign(message, { routeIndex: message.routeIndex + 1, attempt: 0, nextAttemptAtMs: nowMs, lastError: error });
        if (message.routes[message.routeIndex] === undefined) {
          deps.metrics.pagesUndeliverable.inc(1);
          deps.log.error({ emergencyId: message.emergencyId, purpose: message.purpose, to: route.to }, 'emergency message undeliverable on every channel');
        }
        await deps.store.updateMessage(message, nowMs);
      }
      if (sent) {
        deps.metrics.pageAttempts.inc({ channel, outcome: 'delivered' });
        await deps.store.updateMessage({ ...message, state: 'delivered' }, deps.now());
        return;
      }
    }
  }
}
