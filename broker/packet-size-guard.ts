import type { Duplex } from 'node:stream';

/**
 * Follows the MQTT fixed headers (MQTT 3.1.1 §2.2: a type byte, then the Remaining Length in up to
 * four bytes) in the bytes a connection sends, without buffering anything, and reports a packet
 * that declares more than the limit as soon as its length is read: before the broker's parser
 * would start collecting its body (a CONNECT may declare 256 MB before anyone knows who sent it).
 */
export class PacketSizeTracker {
  /** Body bytes of the current packet still to come; 0 between packets. */
  private bodyLeft = 0;
  /** -1 before the type byte; otherwise how many length bytes were read so far. */
  private lengthBytes = -1;
  private length = 0;
  private multiplier = 1;

  constructor(private readonly maxBytes: number) {}

  /** The declared size of the first packet over the limit in `chunk`, or -1 (also for a malformed length). */
  scan(chunk: Uint8Array): number {
    let pos = 0;
    const end = chunk.length;
    while (pos < end) {
      if (this.bodyLeft > 0) {
        const take = Math.min(this.bodyLeft, end - pos);
        this.bodyLeft -= take;
        pos += take;
        continue;
      }
      if (this.lengthBytes < 0) {
        pos++; // the type and flags byte
        this.lengthBytes = 0;
        this.length = 0;
        this.multiplier = 1;
        continue;
      }
      const byte = chunk[pos++]!;
      this.length += (byte & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      this.lengthBytes++;
      if ((byte & 0x80) !== 0) {
        // §2.2.3: at most four bytes; the parser refuses a fifth itself.
        if (this.lengthBytes >= 4) return -1;
        continue;
      }
      if (this.length > this.maxBytes) return this.length;
      this.bodyLeft = this.length;
      this.lengthBytes = -1;
    }
    return -1;
  }
}

/**
 * Puts the tracker between a connection and the broker: aedes takes what a connection sent with
 * `read()`, so each chunk is looked at there, before the broker's parser sees it, at the cost of a
 * few comparisons per packet and no stream of its own. A packet over the limit destroys the
 * connection and tells `oversize`.
 */
export function guardPacketSize(conn: Duplex, maxBytes: number, oversize: (declaredBytes: number) => void): void {
  const tracker = new PacketSizeTracker(maxBytes);
  const read = conn.read.bind(conn);
  conn.read = (size?: number): unknown => {
    const chunk: unknown = read(size);
    if (chunk instanceof Uint8Array) {
      const declared = tracker.scan(chunk);
      if (declared >= 0) {
        conn.destroy();
        oversize(declared);
        return null;
      }
    }
    return chunk;
  };
}
