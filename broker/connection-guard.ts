import type { Duplex } from 'node:stream';
import { guardPacketSize } from './packet-size-guard.js';

export type ConnectionRefusal = 'packet_too_large' | 'too_many_unauthenticated';

export interface ConnectionGuardLimits {
  /** Largest MQTT packet a connection may send, header included. */
  maxPacketBytes: number;
  /** Connections from one address that have not yet authenticated. */
  maxUnauthenticatedPerAddress: number;
}

/**
 * What a connection may cost before anyone knows who it is: a bounded packet (checked at the
 * fixed header, before the body is buffered) and a bounded number of connections per address
 * that have not authenticated yet. Refusals close the connection and are reported.
 */
export function createConnectionGuard(limits: ConnectionGuardLimits, refused: (reason: ConnectionRefusal, address: string, detail: string) => void) {
  const pendingByAddress = new Map<string, number>();
  const pending = new WeakMap<Duplex, string>();

  const release = (conn: Duplex): void => {
    const address = pending.get(conn);
    if (address === undefined) return;
    pending.delete(conn);
    const n = (pendingByAddress.get(address) ?? 1) - 1;
    if (n <= 0) pendingByAddress.delete(address);
    else pendingByAddress.set(address, n);
  };

  return {
    /** Takes a new connection under guard; false when it was refused (and destroyed). */
    admit(conn: Duplex, address: string): boolean {
      const n = pendingByAddress.get(address) ?? 0;
      if (n >= limits.maxUnauthenticatedPerAddress) {
        conn.destroy();
        refused('too_many_unauthenticated', address, `${n} connections from this address have not authenticated`);
        return false;
      }
      pendingByAddress.set(address, n + 1);
      pending.set(conn, address);
      conn.once('close', () => release(conn));
      guardPacketSize(conn, limits.maxPacketBytes, (declared) => refused('packet_too_large', address, `a packet of ${declared} bytes declared (limit ${limits.maxPacketBytes})`));
      return true;
    },
    /** The connection has authenticated: it no longer counts against its address. */
    authenticated(conn: Duplex): void {
      release(conn);
    },
    /** Unauthenticated connections now, over all addresses. */
    get unauthenticated(): number {
      let total = 0;
      for (const n of pendingByAddress.values()) total += n;
      return total;
    },
  };
}
