import { connect, type Socket } from 'node:net';

/**
 * MQTT 3.1.1 packets written by hand, for what a well-behaved client library will not do: resend
 * a QoS 2 PUBLISH before PUBREL, declare a huge CONNECT, flood logins. OASIS MQTT 3.1.1 §2-3.
 */
export function remainingLength(n: number): Buffer {
  const bytes: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    bytes.push(byte);
  } while (n > 0);
  return Buffer.from(bytes);
}

const str = (s: string): Buffer => {
  const b = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(b.length);
  return Buffer.concat([len, b]);
};

const packet = (first: number, body: Buffer): Buffer => Buffer.concat([Buffer.from([first]), remainingLength(body.length), body]);

export function connectPacket(clientId: string, username?: string, password?: string, keepaliveS = 60): Buffer {
  const flags = 0x02 | (username === undefined ? 0 : 0x80) | (password === undefined ? 0 : 0x40);
  const keepalive = Buffer.alloc(2);
  keepalive.writeUInt16BE(keepaliveS);
  const parts = [str('MQTT'), Buffer.from([4, flags]), keepalive, str(clientId)];
  if (username !== undefined) parts.push(str(username));
  if (password !== undefined) parts.push(str(password));
  return packet(0x10, Buffer.concat(parts));
}

export function publishPacket(topic: string, payload: Buffer, options: { qos: 0 | 1 | 2; messageId?: number; dup?: boolean; retain?: boolean }): Buffer {
  const first = 0x30 | (options.dup ? 0x08 : 0) | (options.qos << 1) | (options.retain ? 1 : 0);
  const parts = [str(topic)];
  if (options.qos > 0) {
    const id = Buffer.alloc(2);
    id.writeUInt16BE(options.messageId ?? 1);
    parts.push(id);
  }
  parts.push(payload);
  return packet(first, Buffer.concat(parts));
}

export function pubrelPacket(messageId: number): Buffer {
  const id = Buffer.alloc(2);
  id.writeUInt16BE(messageId);
  return packet(0x62, id);
}

export interface ReceivedPacket {
  type: number;
  body: Buffer;
}

/** A raw connection that collects the packets it receives. */
export class RawMqtt {
  readonly received: ReceivedPacket[] = [];
  closed = false;
  private buffered = Buffer.alloc(0);
  private readonly waiters: (() => void)[] = [];

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.parse();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  /** A connection already made (from a chosen local address, say). */
  static wrap(socket: Socket): RawMqtt {
    return new RawMqtt(socket);
  }

  static open(port: number, host = '127.0.0.1'): Promise<RawMqtt> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, host, () => resolve(new RawMqtt(socket)));
      socket.once('error', reject);
    });
  }

  write(data: Buffer): void {
    this.socket.write(data);
  }

  /** Resolves with the first received packet of `type` (a CONNACK is 2, PUBACK 4, PUBREC 5, PUBCOMP 7) not yet taken. */
  async next(type: number, timeoutMs = 10_000): Promise<ReceivedPacket> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.received.findIndex((p) => p.type === type);
      if (index >= 0) return this.received.splice(index, 1)[0]!;
      if (this.closed) throw new Error(`connection closed before packet type ${type}`);
      if (Date.now() > deadline) throw new Error(`no packet of type ${type} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Resolves once the server has closed the connection. */
  async whenClosed(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error(`still open after ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  end(): void {
    this.socket.destroy();
  }

  private parse(): void {
    for (;;) {
      if (this.buffered.length < 2) return;
      let length = 0;
      let multiplier = 1;
      let offset = 1;
      for (;;) {
        if (offset >= this.buffered.length) return;
        const byte = this.buffered[offset++]!;
        length += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        if ((byte & 0x80) === 0) break;
      }
      if (this.buffered.length < offset + length) return;
      this.received.push({ type: this.buffered[0]! >> 4, body: this.buffered.subarray(offset, offset + length) });
      this.buffered = this.buffered.subarray(offset + length);
      this.wake();
    }
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}
