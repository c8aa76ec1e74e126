import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodePayload,
  DEVICE_KINDS,
  encodeCbor,
  INBOUND_CHANNELS,
  REJECTION_REASONS,
  TELEMETRY_FIELDS,
  validateMessage,
  type DeviceKind,
  type InboundChannel,
  type Result,
} from '../../sensors/index.js';

/**
 * The payload decoder as a device's bytes meet it: whatever arrives, decoding and validation
 * answer a value or a rejection with a known reason, and never throw.
 */
const RECEIVED_AT_MS = Date.parse('2026-03-02T09:00:00Z');
const KNOWN_FIELDS = [...new Set(DEVICE_KINDS.flatMap((kind) => Object.keys(TELEMETRY_FIELDS[kind])))];
const EVENT_TYPES = ['fall', 'sos', 'cancel', 'door_open', 'door_closed', 'aed_removed', 'self_test_fail', 'maintenance_start', 'lid_open', 'nonsense'];

/** Values a field might hold: in range, out of range, the wrong type, nested, huge. */
const fieldValue = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constantFrom('open', 'closed', 'pass', 'fail', '2027-05-01', '2027-13-45', '', 'x'.repeat(300)),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, -0, 1e308, 72, 97, 0.5, 30.2655, 120.1552, 150),
  fc.constant(null),
  fc.anything({ maxDepth: 3 }),
);
const deviceObject = fc.dictionary(
  fc.oneof({ arbitrary: fc.constantFrom(...KNOWN_FIELDS, 'ts', 'type', 'confidence', 'online', 'fw'), weight: 4 }, fc.string({ maxLength: 10 })),
  fc.oneof(fieldValue, fc.constantFrom(...EVENT_TYPES), fc.constantFrom(RECEIVED_AT_MS, RECEIVED_AT_MS - 1, 0, -1, 1e20)),
  { maxKeys: 8 },
);

/** Bytes as a device, a broken device or an attacker might send them. */
const payload = fc.oneof(
  deviceObject.map((value) => Uint8Array.from(encodeCbor(value))),
  deviceObject.map((value) => Uint8Array.from(Buffer.from(JSON.stringify(value)))),
  fc.anything({ maxDepth: 4 }).map((value) => Uint8Array.from(encodeCbor(value))),
  fc.uint8Array({ maxLength: 256 }),
  fc.string({ maxLength: 200 }).map((text) => Uint8Array.from(Buffer.from(`{${text}`))),
  // A valid CBOR prefix with garbage after it, and truncated CBOR.
  fc.tuple(deviceObject, fc.uint8Array({ maxLength: 16 }), fc.nat(40)).map(([value, tail, cut]) => {
    const bytes = Buffer.concat([encodeCbor(value), Buffer.from(tail)]);
    return Uint8Array.from(bytes.subarray(0, Math.max(1, bytes.length - cut)));
  }),
);
const context = fc.record({ kind: fc.constantFrom<DeviceKind>(...DEVICE_KINDS), channel: fc.constantFrom<InboundChannel>(...INBOUND_CHANNELS) });
const contentType = fc.constantFrom(undefined, 'application/cbor', 'application/json', 'text/plain');

function decodeAndValidate(bytes: Uint8Array, kind: DeviceKind, channel: InboundChannel, type: string | undefined): Result<unknown> {
  const decoded = decodePayload(bytes, undefined, type);
  if (!decoded.ok) return decoded;
  return validateMessage(decoded.value, { deviceId: 'b-0001', kind, channel, receivedAtMs: RECEIVED_AT_MS });
}

describe('the payload decoder under any input', () => {
  it('never throws, and every refusal names a known reason', () => {
    fc.assert(
      fc.property(payload, context, contentType, (bytes, { kind, channel }, type) => {
        const result = decodeAndValidate(bytes, kind, channel, type);
        if (!result.ok) expect(REJECTION_REASONS).toContain(result.rejection.reason);
      }),
      { numRuns: 1500, seed: 16_0003 },
    );
  });

  it('never yields a reading without a single field of its kind', () => {
    fc.assert(
      fc.property(payload, fc.constantFrom<DeviceKind>(...DEVICE_KINDS), contentType, (bytes, kind, type) => {
        const result = decodeAndValidate(bytes, kind, 'telemetry', type);
        if (!result.ok) return;
        const { message } = result.value as { message: { channel: string; reading: { values: Record<string, unknown> } } };
        expect(Object.keys(message.reading.values).length).toBeGreaterThan(0);
      }),
      { numRuns: 1500, seed: 16_0004 },
    );
  });
});
