import type { Notification, PoolClient } from 'pg';
import type { Logger } from 'pino';
import type { PostgresPool } from './postgres-database.js';

export interface ChannelListener {
  /** A notification's payload ('' when it had none). */
  heard(payload: string): void;
  /** Listening (again): what was notified while not listening was not heard. */
  listening?(): Promise<void>;
}

interface Subscription {
  channel: string;
  listener: ChannelListener;
  log: Logger;
}

/**
 * One pooled connection that LISTENs on every channel a gateway follows (alerts, the inbox, the
 * index, Node-RED's flows), rather than one connection each: a pool of ten keeps its others for
 * the work. When the connection drops it connects again, listens again and tells every listener
 * (`listening`), since what was notified meanwhile was not heard.
 */
class SharedListeningConnection {
  private readonly subscriptions = new Set<Subscription>();
  private client: PoolClient | undefined;
  /** Takes this class's handlers off the connection before it goes back to the pool. */
  private detach = (): void => undefined;
  private connecting = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly pool: PostgresPool,
    private readonly retryMs: number,
  ) {}

  add(subscription: Subscription): void {
    this.subscriptions.add(subscription);
    if (this.client !== undefined) void this.listenFor(this.client, subscription);
    else void this.connect(subscription.log);
  }

  async remove(subscription: Subscription): Promise<void> {
    this.subscriptions.delete(subscription);
    const client = this.client;
    if (this.subscriptions.size === 0) {
      clearTimeout(this.retry);
      this.retry = undefined;
      this.client = undefined;
      if (client === undefined) return;
      await client.query('UNLISTEN *').catch(() => undefined);
      this.detach();
      client.release();
      return;
    }
    if (client !== undefined && ![...this.subscriptions].some((s) => s.channel === subscription.channel)) {
      await client.query(`UNLISTEN ${subscription.channel}`).catch(() => undefined);
    }
  }

  private async connect(log: Logger): Promise<void> {
    if (this.connecting || this.client !== undefined || this.subscriptions.size === 0) return;
    this.connecting = true;
    let connection: PoolClient;
    try {
      connection = await this.pool.connect();
    } catch (err) {
      this.connecting = false;
      this.logOf(log).warn({ err, channels: this.channels() }, 'cannot listen yet; trying again');
      this.schedule(log);
      return;
    }
    this.connecting = false;
    if (this.subscriptions.size === 0) {
      connection.release();
      return;
    }
    const onNotification = (message: Notification): void => {
      for (const s of [...this.subscriptions]) if (s.channel === message.channel) s.listener.heard(message.payload ?? '');
    };
    const onError = (err: Error): void => {
      this.logOf(log).warn({ err, channels: this.channels() }, 'lost the listening connection; connecting again');
      this.drop(connection, err, log);
    };
    connection.on('notification', onNotification);
    connection.on('error', onError);
    this.detach = () => {
      connection.off('notification', onNotification);
      connection.off('error', onError);
    };
    this.client = connection;
    for (const s of [...this.subscriptions]) void this.listenFor(connection, s);
  }

  private async listenFor(connection: PoolClient, subscription: Subscription): Promise<void> {
    try {
      await connection.query(`LISTEN ${subscription.channel}`);
    } catch (err) {
      subscription.log.warn({ err, channel: subscription.channel }, 'cannot listen yet; trying again');
      this.drop(connection, err as Error, subscription.log);
      return;
    }
    if (this.client !== connection || !this.subscriptions.has(subscription)) return;
    try {
      await subscription.listener.listening?.();
    } catch (err) {
      // Caught up on nothing: listen afresh and catch up again.
      subscription.log.warn({ err, channel: subscription.channel }, 'could not catch up after listening; trying again');
      this.drop(connection, err as Error, subscription.log);
    }
  }

  private drop(connection: PoolClient, err: Error, log: Logger): void {
    if (this.client !== connection) return;
    this.client = undefined;
    this.detach();
    connection.release(err);
    this.schedule(log);
  }

  private schedule(log: Logger): void {
    if (this.subscriptions.size === 0 || this.retry !== undefined) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.connect(log);
    }, this.retryMs);
    this.retry.unref();
  }

  /** A follower's log that says something (one may be silent, as the registry's is). */
  private logOf(fallback: Logger): Logger {
    return [...this.subscriptions].find((s) => s.log.isLevelEnabled('warn'))?.log ?? fallback;
  }

  private channels(): string[] {
    return [...new Set([...this.subscriptions].map((s) => s.channel))];
  }
}

const connections = new WeakMap<PostgresPool, SharedListeningConnection>();

/**
 * LISTEN on a channel, on the pool's one listening connection. When that connection drops it
 * connects again and says so (`listening`), since what was notified meanwhile was not heard.
 */
export function listenTo(pool: PostgresPool, channel: string, listener: ChannelListener, log: Logger, retryMs = 1_000): { close(): Promise<void> } {
  let connection = connections.get(pool);
  if (connection === undefined) {
    connection = new SharedListeningConnection(pool, retryMs);
    connections.set(pool, connection);
  }
  const subscription: Subscription = { channel, listener, log };
  connection.add(subscription);
  let closed = false;
  return {
    async close() {
      if (closed) return;
      closed = true;
      await connection.remove(subscription);
    },
  };
}
