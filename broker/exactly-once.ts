import type { Client, PublishPacket } from 'aedes';

/** What aedes keeps of a client's QoS 2 messages between PUBLISH and PUBREL (its persistence). */
export interface IncomingStore {
  incomingGetPacket(client: Client, packet: PublishPacket): Promise<unknown>;
  incomingDelPacket(client: Client, packet: { messageId?: number }): Promise<unknown>;
}

/**
 * QoS 2 received exactly once (MQTT 3.1.1 §4.3.3, the receiver's "method B"): a message is
 * ingested on the first PUBLISH of its packet id; a PUBLISH with the same id before the PUBREL
 * (a resend, which the sender may make at any time) is answered but not ingested again. The
 * broker's own duplicate check runs after authorisation and, for packets in one socket read, all
 * at once, so it cannot be the guard; it still tells us of packets received before a reconnect.
 */
export function createExactlyOnce(store: IncomingStore) {
  /** Client id → packet id → settles once the first PUBLISH is stored. */
  const received = new Map<string, Map<number, Promise<void>>>();

  const forgetId = (clientId: string, messageId: number): void => {
    const ids = received.get(clientId);
    if (ids === undefined) return;
    ids.delete(messageId);
    if (ids.size === 0) received.delete(clientId);
  };

  // PUBREL: the packet id is free again; the next PUBLISH with it is a new message.
  const release = store.incomingDelPacket.bind(store);
  store.incomingDelPacket = (client, packet) => {
    if (packet.messageId !== undefined) forgetId(client.id, packet.messageId);
    return release(client, packet);
  };

  return {
    /**
     * Runs `ingest` for the first PUBLISH of this packet id; resolves once that message is
     * stored. A repeat resolves with the first (no second ingest). If storing failed, the id is
     * forgotten so that the resend is ingested.
     */
    receive(client: Client, packet: PublishPacket, ingest: () => Promise<void>): Promise<void> {
      const messageId = packet.messageId ?? 0;
      let ids = received.get(client.id);
      if (ids === undefined) received.set(client.id, (ids = new Map()));
      const first = ids.get(messageId);
      if (first !== undefined) return first;
      const stored = store.incomingGetPacket(client, packet).then(
        () => undefined, // received before a reconnect, still awaiting its PUBREL
        () => ingest(),
      );
      ids.set(messageId, stored);
      stored.catch(() => forgetId(client.id, messageId));
      return stored;
    },
    /** A clean session ended or began: its packet ids mean nothing any more (§3.1.2.4). */
    forgetClient(clientId: string): void {
      received.delete(clientId);
    },
    /** Clients with QoS 2 messages awaiting their PUBREL (for tests and metrics). */
    get clientsAwaitingRelease(): number {
      return received.size;
    },
  };
}
