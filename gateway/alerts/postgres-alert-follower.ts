import type { Logger } from 'pino';
import type { PostgresPool } from '../store/postgres-database.js';
import { listenTo } from '../store/postgres-listener.js';

export interface AlertFollowerTarget {
  /** An alert some gateway committed a change of (this one included). */
  followed(alertId: string): Promise<void>;
  /** News may have been missed (the connection dropped): read the working set again. */
  resync(): Promise<void>;
}

export interface AlertFollower {
  close(): Promise<void>;
}

/**
 * Hears every gateway's alert commits on one connection of its own (LISTEN alert_changed; the
 * alert store notifies inside each commit, so news arrives once committed, in commit order).
 * When the connection drops it connects again and reads the working set whole, since what was
 * committed meanwhile was not heard; so too once first listening.
 */
export function followAlertChanges(pool: PostgresPool, target: AlertFollowerTarget, log: Logger, retryMs = 1_000): AlertFollower {
  return listenTo(
    pool,
    'alert_changed',
    {
      heard: (alertId) => {
        if (alertId === '') return;
        target.followed(alertId).catch((err: unknown) => log.warn({ err, alertId }, 'another gateway’s alert change could not be read'));
      },
      listening: () => target.resync(),
    },
    log,
    retryMs,
  );
}
