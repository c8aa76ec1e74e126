import type { PoolClient } from 'pg';
import type { Logger } from 'pino';
import type { PostgresPool } from '../store/postgres-database.js';

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
 * committed meanwhile was not heard.
 */
export function followAlertChanges(pool: PostgresPool, target: AlertFollowerTarget, log: Logger, retryMs = 1_000): AlertFollower {
  let client: PoolClient | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  const heard = (alertId: string): void => {
    target.followed(alertId).catch((err: unknown) => log.warn({ err, alertId }, 'another gateway’s alert change could not be read'));
  };

  const connect = async (resyncAfter: boolean): Promise<void> => {
    if (closed) return;
    try {
      const connection = await pool.connect();
      connection.on('notification', (message) => {
        if (message.channel === 'alert_changed' && message.payload !== undefined) heard(message.payload);
      });
      connection.on('error', (err) => {
        log.warn({ err }, 'lost the connection that hears other gateways’ alert changes; connecting again');
        drop(connection, err);
      });
      await connection.query('LISTEN alert_changed');
      if (closed) {
        connection.release();
        return;
      }
      client = connection;
      if (resyncAfter) await target.resync();
    } catch (err) {
      log.warn({ err }, 'cannot hear other gateways’ alert changes yet; trying again');
      schedule();
    }
  };

  const drop = (connection: PoolClient, err: Error): void => {
    if (client !== connection) return;
    client = undefined;
    connection.release(err);
    schedule();
  };

  const schedule = (): void => {
    if (closed || retry !== undefined) return;
    retry = setTimeout(() => {
      retry = undefined;
      void connect(true);
    }, retryMs);
    retry.unref();
  };

  // Read again once listening: what was committed before LISTEN took hold was not heard.
  void connect(true);
  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      const connection = client;
      client = undefined;
      if (connection === undefined) return;
      await connection.query('UNLISTEN alert_changed').catch(() => undefined);
      connection.release();
    },
  };
}
