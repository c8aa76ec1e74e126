import type { AuthorizeForwardHandler } from 'aedes';


interface Connection {
  writableLength?: number;
  destroyed?: boolean;
  destroy(err?: Error): void;
}

/**
 * Bounds what waits in one client's outgoing buffer, in bytes. aedes writes every delivery to
 * the socket and only then waits for it to drain, so a subscriber that stops reading collects
 * messages in memory until its drain timeout: a worker's phone in a lift held 600 MB. Past the
 * bound the connection is closed (the app reconnects and reads `GET /api/alerts`), counted once.
 * A single message larger than the bound still goes to a client whose buffer is empty.
 */
export function boundOutgoingBytes(forward: AuthorizeForwardHandler, maxQueuedBytes: number, dropped: (clientId: string, queuedBytes: number) => void): AuthorizeForwardHandler {
  return (client, packet) => {
    const conn = (client as unknown as { conn?: Connection }).conn;
    if (conn === undefined) return forward(client, packet);
    if (conn.destroyed === true) return null;
    const queued = conn.writableLength ?? 0;
    const size = packet.payload.length + Buffer.byteLength(packet.topic) + 8;
    if (queued > 0 && queued + size > maxQueuedBytes) {
      dropped(client.id, queued);
      conn.destroy(new Error(`outgoing buffer over ${maxQueuedBytes} bytes`));
      return null;
    }
    return forward(client, packet);
  };
}
