import { Readable } from 'node:stream';
import type { AedesOptions } from 'aedes';
import AsyncRedisPersistence from 'aedes-persistence-redis/asyncPersistence.js';
import { Redis, type Command, type RedisOptions } from 'ioredis';
import createRedisEmitter from 'mqemitter-redis';

/** aedes's pub/sub and session state in Redis, so several gateways serve one device population. */
export interface RedisBrokerState {
  options: Pick<AedesOptions, 'mq' | 'persistence'>;
  /** Whether all three connections (sessions, publish, subscribe) are up now. */
  ready(): boolean;
  /** Closes the persistence's connection (aedes closes the emitter itself). */
  close(): Promise<void>;
}

/**
 * The Redis persistence as aedes 1.x calls it: aedes pipes retained messages with `.pipe`, and
 * this version of the persistence hands them over as an async generator.
 */
class RedisPersistence extends AsyncRedisPersistence {
  override createRetainedStreamCombi(patterns: string[]): Readable {
    return Readable.from(super.createRetainedStreamCombi(patterns));
  }

  override createRetainedStream(pattern: string): Readable {
    return Readable.from(super.createRetainedStream(pattern));
  }
}

/**
 * A connection of the broker's. Both libraries send a few commands without awaiting them (the
 * persistence's Last Will bookkeeping, the emitter's QUIT on close); when Redis is away or the
 * connection is closing, their failure would be an unhandled rejection, which stops a Node
 * process. Every command's promise gets a handler here; a caller that awaits one still sees its
 * error.
 */
export class BrokerRedisConnection extends Redis {
  override sendCommand(command: Command, stream?: Parameters<Redis['sendCommand']>[1]): unknown {
    const sent = super.sendCommand(command, stream);
    command.promise.catch(() => undefined);
    return sent;
  }
}

/** `redis://[user:password@]host[:port][/db]` (or `rediss://` for TLS) as ioredis options. */
export function redisOptions(url: string): RedisOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`REDIS_URL "${url}" is not a URL (redis://host:port/db)`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new Error(`REDIS_URL "${url}" must start with redis:// or rediss://`);
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new Error(`REDIS_URL "${url}": the database must be a number`);
  return {
    host: parsed.hostname,
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    db,
    ...(parsed.username === '' ? {} : { username: decodeURIComponent(parsed.username) }),
    ...(parsed.password === '' ? {} : { password: decodeURIComponent(parsed.password) }),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/**
 * Connects to Redis and resolves once it answers, or rejects after `timeoutMs` saying so (a start
 * that hung on a wrong REDIS_URL would look like a gateway that never comes up).
 */
export async function connectRedisState(url: string, timeoutMs: number): Promise<RedisBrokerState> {
  const options = redisOptions(url);
  const probe = new Redis({ ...options, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe.connect().then(() => probe.ping()),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
      }),
    ]);
  } catch (err) {
    throw new Error(`Redis at ${url} did not answer within ${timeoutMs} ms (REDIS_URL): ${(err as Error).message}`);
  } finally {
    clearTimeout(timer);
    probe.disconnect();
  }
  const [conn, pubConn] = [new BrokerRedisConnection(options), new BrokerRedisConnection(options)];
  // The emitter subscribes before the connection is up; ioredis 5.8+ can then send its INFO ready
  // check and CLIENT SETINFO after SUBSCRIBE, which Redis refuses in subscriber mode (ioredis#2037).
  // A subscriber connection needs neither.
  const subConn = new BrokerRedisConnection({ ...options, enableReadyCheck: false, disableClientInfo: true });
  // ioredis reconnects by itself; an outage shows in ready() (and /readyz), not as a crash.
  for (const c of [conn, pubConn, subConn]) c.on('error', () => undefined);
  const persistence = new RedisPersistence({ conn });
  const mq = createRedisEmitter({ pubConn, subConn });
  // The emitter re-emits its connections' errors on `state`, an EventEmitter that throws when
  // nobody listens: each failed reconnect while Redis is away would be an uncaught exception.
  (mq as unknown as { state: { on(event: 'error', listener: () => void): void } }).state.on('error', () => undefined);
  return {
    options: { mq, persistence },
    ready: () => conn.status === 'ready' && pubConn.status === 'ready' && subConn.status === 'ready',
    async close() {
      // Disconnects `conn` too.
      await persistence.destroy();
    },
  };
}
