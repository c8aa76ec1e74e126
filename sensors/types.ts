import type { DeviceKind, EventsByKind, ValuesByKind } from './kinds.js';

interface Envelope {
  deviceId: string;
  /** Device clock, or the receive time when the device sent none. */
  tsMs: number;
  receivedAtMs: number;
}

/** One telemetry message after decoding and validation. */
export type Reading = {
  [K in DeviceKind]: Envelope & { kind: K; values: ValuesByKind[K] };
}[DeviceKind];

/** One discrete event (a fall, a door opening). */
export type DeviceEvent = {
  [K in Exclude<DeviceKind, 'air'>]: Envelope & { kind: K; event: EventsByKind[K] };
}[Exclude<DeviceKind, 'air'>];

/** A device's own report of its state; its Last Will sets online to false. */
export interface StatusUpdate extends Envelope {
  kind: DeviceKind;
  online: boolean;
  bat?: number;
  fw?: string;
}

export type DecodedMessage =
  | { channel: 'telemetry'; reading: Reading }
  | { channel: 'events'; event: DeviceEvent }
  | { channel: 'status'; status: StatusUpdate };

/** Why a message was refused; each is a label on the rejection counter. */
export const REJECTION_REASONS = [
  'bad_topic',
  'unknown_device',
  'internal_error',
  'unknown_channel',
  'too_large',
  'bad_cbor',
  'bad_json',
  'too_deep',
  'not_an_object',
  'unknown_field',
  'wrong_type',
  'out_of_range',
  'missing_field',
  'bad_timestamp',
  'unknown_event',
  'unsupported_content_type',
  'cbor_tag',
  'no_known_field',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export interface Rejection {
  reason: RejectionReason;
  /** Which field, when one is to blame. */
  field?: string;
  message: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; rejection: Rejection };

export function reject(reason: RejectionReason, message: string, field?: string): { ok: false; rejection: Rejection } {
  return { ok: false, rejection: field === undefined ? { reason, message } : { reason, message, field } };
}
