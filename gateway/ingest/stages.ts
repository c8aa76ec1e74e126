import {
  decodePayload,
  validateMessage,
  type DecodeLimits,
  type DecodedMessage,
  type InboundChannel,
  type Rejection,
  type Result,
  type Validated,
} from '../../sensors/index.js';
import type { DeviceEntity } from '../registry/schemas.js';
import type { Committed, TelemetrySink } from '../telemetry/telemetry-store.js';
import type { DeviceStateStore } from './device-state-store.js';

/*
 * The stages a device message passes once the broker has let it in (broker/acl.ts: admitPublish),
 * in order: identifyDevice → decodeMessage → validateDecoded → storeMessage. Each is a plain
 * function of its inputs; ingest-pipeline.ts runs them, counts and logs what they refuse.
 */

const UNKNOWN_DEVICE: { ok: false; rejection: Rejection } = {
  ok: false,
  rejection: { reason: 'unknown_device', message: 'device is no longer registered' },
};

/** The device the message came from, as the registry knows it now; refused if it was removed since it connected. */
export function identifyDevice(deviceId: string, lookupDevice: (deviceId: string) => DeviceEntity | undefined): Result<DeviceEntity> {
  const device = lookupDevice(deviceId);
  return device === undefined ? UNKNOWN_DEVICE : { ok: true, value: device };
}

/** The payload as a value: CBOR or JSON, within the size and nesting limits. */
export function decodeMessage(payload: Buffer, limits: DecodeLimits): Result<unknown> {
  return decodePayload(payload, limits);
}

/** The decoded value checked against what this kind of device may send on this channel. */
export function validateDecoded(decoded: unknown, device: DeviceEntity, channel: InboundChannel, receivedAtMs: number): Result<Validated> {
  return validateMessage(decoded, { deviceId: device.id, kind: device.kind, channel, receivedAtMs });
}

export interface StoreDeps {
  /** The first is the store of record: a QoS 1 reading is acknowledged once it has committed it. */
  sinks: readonly [TelemetrySink, ...TelemetrySink[]];
  deviceState: DeviceStateStore;
}

/**
 * Keeps a valid message and notes the device was heard from. A reading goes to every sink; with
 * `stored` (QoS 1 and 2) the store of record calls it at its commit, and this returns true (false
 * without `stored`). An event or status is written at once (an acknowledged fall is never lost):
 * this returns the write, which rejects when the store refuses it; the caller evaluates, announces
 * and tells `stored` once it is kept.
 */
export function storeMessage(deps: StoreDeps, deviceId: string, message: DecodedMessage, receivedAtMs: number, stored?: Committed): boolean | Promise<unknown> {
  deps.deviceState.seen(deviceId, receivedAtMs);
  switch (message.channel) {
    case 'telemetry':
      if (stored === undefined) {
        for (const sink of deps.sinks) sink.write(message.reading);
        return false;
      }
      deps.sinks[0].write(message.reading, stored);
      for (let i = 1; i < deps.sinks.length; i++) deps.sinks[i]!.write(message.reading);
      return true;
    case 'events':
      return deps.deviceState.recordEvent(message.event);
    case 'status':
      return deps.deviceState.recordStatus(message.status);
  }
}
