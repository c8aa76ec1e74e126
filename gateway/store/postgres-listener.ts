import type { PoolClient } from 'pg';
import type { Logger } from 'pino';
import type { PostgresPool } from './postgres-database.js';

export interface ChannelListener {
  /** A notification's payload ('' when it had none). */
  heard(payload: string): void;
  /** Listening (again): what was notified while not listening was not heard. */
  listening?(): Promise<void>;
}

/**
 * LISTEN on one channel with a connection of its own. When the connection drops it connects again
 * and says so (`listening`), since what was notified meanwhile was not heard.
 */
export function listenTo(pool: PostgresPool, channel: string, listener: ChannelListener, log: Logger, retryMs = 1_000): { close(): Promise<void> } {
  let client: PoolClient | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    if (closed) return;
    try {
      const connection = await pool.connect();
      connection.on('notification', (message) => {
        if (message.channel === channel) listener.heard(message.payload ?? '');
      });
      connection.on('error', (err) => {
        log.warn({ err, channel }, 'lost a listening connection; connecting again');
        drop(connection, err);
      });
      await connection.query(`LISTEN ${channel}`);
      if (closed) {
        connection.release();
        return;
      }
      client = connection;
    } catch (err) {
      log.warn({ err, channel }, 'cannot listen yet; trying again');
      schedule();
      return;
    }
    try {
      await listener.listening?.();
    } catch (err) {
      // Caught up on nothing: listen afresh and catch up again.
      log.warn({ err, channel }, 'could not catch up after listening; trying again');
      if (client !== undefined) drop(client, err as Error);
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
      void connect();
    }, retryMs);
    retry.unref();
  };

  void connect();
  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      const connection = client;
      client = undefined;
      if (connection === undefined) return;
      await connection.query(`UNLISTEN ${channel}`).catch(() => undefined);
      connection.release();
    },
  };
}
