import { describe, expect, it } from 'vitest';
import { PacketSizeTracker } from '../../broker/packet-size-guard.js';
import { connectPacket, publishPacket, remainingLength } from '../helpers/raw-mqtt.js';

describe('the packet size tracker (MQTT 3.1.1 §2.2.3)', () => {
  it('follows packets of every length-field size, in one chunk or split anywhere, and passes those within the limit', () => {
    const stream = Buffer.concat([
      connectPacket('b-0001', 'b-0001', 'secret'),
      publishPacket('devices/b-0001/telemetry', Buffer.alloc(100, 1), { qos: 1, messageId: 1 }),
      publishPacket('devices/b-0001/telemetry', Buffer.alloc(300, 2), { qos: 0 }),
      publishPacket('devices/b-0001/telemetry', Buffer.alloc(20_000, 3), { qos: 0 }),
      Buffer.from([0xc0, 0x00]), // PINGREQ: no body
    ]);
    for (const split of [1, 2, 3, 7, 128, 4096, stream.length]) {
      const tracker = new PacketSizeTracker(32 * 1024);
      for (let i = 0; i < stream.length; i += split) expect(tracker.scan(stream.subarray(i, i + split)), `split ${split}`).toBe(-1);
    }
  });

  it('reports the first packet over the limit at its header, whatever came before it', () => {
    const huge = Buffer.concat([Buffer.from([0x10]), remainingLength(255 * 1024 * 1024)]);
    const tracker = new PacketSizeTracker(64 * 1024);
    expect(tracker.scan(publishPacket('devices/x/telemetry', Buffer.alloc(1000), { qos: 0 }))).toBe(-1);
    // Split inside the length field: known once its last byte has come.
    expect(tracker.scan(huge.subarray(0, 3))).toBe(-1);
    expect(tracker.scan(huge.subarray(3))).toBe(255 * 1024 * 1024);
  });

  it('takes a packet exactly at the limit and refuses one byte more', () => {
    const at = new PacketSizeTracker(1000);
    expect(at.scan(Buffer.concat([Buffer.from([0x30]), remainingLength(1000)]))).toBe(-1);
    const over = new PacketSizeTracker(1000);
    expect(over.scan(Buffer.concat([Buffer.from([0x30]), remainingLength(1001)]))).toBe(1001);
  });
});
