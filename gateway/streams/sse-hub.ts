import type { FastifyReply, FastifyRequest } from 'fastify';

export interface SseHubOptions {
  /** Recent messages kept so a client reconnecting with `Last-Event-ID` misses nothing. */
  replayBuffer?: number;
  /** A comment line this often keeps proxies and phones from dropping an idle stream. */
  heartbeatMs?: number;
  /** A client this far behind (bytes queued) is dropped rather than let memory grow. */
  maxQueuedBytes?: number;
}

interface SseMessage<T> {
  id: number;
  event: string;
  data: T;
}

interface SseClient<T> {
  accepts: (data: T) => boolean;
  /** This client's own view of a message (what its viewer may see); the shared frame when absent. */
  shape?: (data: T) => unknown;
  write: (chunk: string) => boolean;
  end: () => void;
}

function frame(message: SseMessage<unknown>): string {
  return `id: ${message.id}\nevent: ${message.event}\ndata: ${JSON.stringify(message.data)}\n\n`;
}

/**
 * Server-Sent Events to many clients, each with its own filter (a worker sees only their grids).
 * Ids rise by one per message; a reconnect with `Last-Event-ID` gets what it missed from the buffer.
 */
export class SseHub<T> {
  private readonly clients = new Set<SseClient<T>>();
  private readonly buffer: SseMessage<T>[] = [];
  private nextId = 1;
  private readonly replayBuffer: number;
  private readonly heartbeatMs: number;
  private readonly maxQueuedBytes: number;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(options: SseHubOptions = {}) {
    this.replayBuffer = options.replayBuffer ?? 500;
    this.heartbeatMs = options.heartbeatMs ?? 15_000;
    this.maxQueuedBytes = options.maxQueuedBytes ?? 1024 * 1024;
    this.heartbeat = setInterval(() => {
      for (const client of this.clients) client.write(': keepalive\n\n');
    }, this.heartbeatMs);
    this.heartbeat.unref();
  }

  get clientCount(): number {
    return this.clients.size;
  }

  publish(event: string, data: T): void {
    const message: SseMessage<T> = { id: this.nextId++, event, data };
    this.buffer.push(message);
    if (this.buffer.length > this.replayBuffer) this.buffer.shift();
    const text = frame(message);
    for (const client of this.clients) {
      if (client.accepts(data)) client.write(client.shape === undefined ? text : frame({ ...message, data: client.shape(data) }));
    }
  }

  /** Takes over the reply and streams until the client goes away or the hub closes. */
  attach(request: FastifyRequest, reply: FastifyReply, accepts: (data: T) => boolean, first?: { event: string; data: unknown }, shape?: (data: T) => unknown): void {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store, no-transform',
      'x-content-type-options': 'nosniff',
      // The socket ends with the stream, so closing the server never waits on an idle one.
      connection: 'close',
      'x-accel-buffering': 'no',
    });
    const client: SseClient<T> = {
      accepts,
      ...(shape === undefined ? {} : { shape }),
      write: (chunk) => {
        if (res.writableLength > this.maxQueuedBytes) {
          request.log.warn({ queuedBytes: res.writableLength }, 'event stream client too slow; dropped');
          client.end();
          return false;
        }
        return res.write(chunk);
      },
      end: () => {
        this.clients.delete(client);
        if (!res.writableEnded) res.end(() => res.socket?.destroy());
      },
    };
    this.clients.add(client);
    // The response's close (not the request's, which ends with its body) says the client went away.
    res.on('close', () => this.clients.delete(client));
    res.write(`retry: 3000\n\n`);
    if (first !== undefined) res.write(`event: ${first.event}\ndata: ${JSON.stringify(first.data)}\n\n`);
    const lastId = Number(request.headers['last-event-id']);
    if (Number.isInteger(lastId) && lastId > 0) {
      for (const message of this.buffer) if (message.id > lastId && accepts(message.data)) res.write(frame(shape === undefined ? message : { ...message, data: shape(message.data) }));
    }
  }

  /** Ends every stream (the server cannot close while they are open). */
  close(): void {
    clearInterval(this.heartbeat);
    for (const client of [...this.clients]) client.end();
  }
}
