import { MANUAL_CLOSE_KINDS, type AlertKind } from '../rules/safety/index.js';
import type { SimLog } from './device-message.js';
import { MINUTE_MS } from './local-time.js';
import type { ReceivedPage } from './page-receiver.js';
import type { SimClock } from './sim-clock.js';

export interface DemoWorkersOptions {
  clock: SimClock;
  log: SimLog;
  /** Names for the ids in its lines (default: the ids). */
  names?: (id: string) => string;
  /** Acknowledges through the page's own ack link (as the person it was sent to). */
  ack(ackUrl: string): Promise<number>;
  /** Closes the alert once the visit is over. */
  resolve(alertId: string, note: string): Promise<number>;
  /** Simulated time from the first page to the ack; long enough for one escalation step. */
  ackAfterMs?: number;
  resolveAfterMs?: number;
}


/**
 * Workers on the end of the demo's pages: the first one paged answers after a few simulated
 * minutes (so the first escalation step is seen), goes, and closes the alert later. The ack sends
 * the bracelet its "help is coming" command.
 */
export function createDemoWorkers(options: DemoWorkersOptions): { onPage(page: ReceivedPage): void } {
  const { clock, log } = options;
  const ackAfterMs = options.ackAfterMs ?? 4 * MINUTE_MS;
  const resolveAfterMs = options.resolveAfterMs ?? 25 * MINUTE_MS;
  const handled = new Set<string>();
  return {
    onPage(page) {
      const { alert, ackUrl, recipient } = page;
      if (page.type !== 'page' || alert === null || ackUrl === null || alert.state !== 'open' || handled.has(alert.id)) return;
      handled.add(alert.id);
      const who = recipient === null ? 'a worker' : recipient.name;
      const whom = options.names?.(alert.subject) ?? alert.subject;
      clock.at(clock.now() + ackAfterMs, async () => {
        const status = await options.ack(ackUrl).catch(() => 0);
        log(`[worker] ${who} is on the way: acknowledged the ${alert.kind} alert for ${whom}${status >= 400 || status === 0 ? ` (ack link answered ${status})` : ''}`);
      });
      // Other kinds clear by themselves when their condition ends (back home, the air clears).
      if (!MANUAL_CLOSE_KINDS.has(alert.kind as AlertKind)) return;
      clock.at(clock.now() + resolveAfterMs, async () => {
        const status = await options.resolve(alert.id, 'Visited; resident is safe (demo).').catch(() => 0);
        if (status < 400 && status !== 0) log(`[worker] ${who} closes the ${alert.kind} alert for ${whom}`);
      });
    },
  };
}
