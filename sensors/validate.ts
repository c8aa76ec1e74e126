import {
  AED_EVENT_TYPES,
  BIN_EVENT_TYPES,
  BRACELET_EVENT_TYPES,
  TELEMETRY_FIELDS,
  type DeviceKind,
  type FieldSpec,
} from './kinds.js';
import type { InboundChannel } from './topic.js';
import { reject, type DecodedMessage, type Reading, type Rejection, type Result } from './types.js';

export interface ValidationContext {
  deviceId: string;
  kind: DeviceKind;
  channel: InboundChannel;
  receivedAtMs: number;
}

export interface Validated {
  message: DecodedMessage;
  /** Fields the schema does not know: left out of the reading, counted, never fatal. */
  ignoredFields: readonly string[];
  /** True when the device clock was implausible and the receive time was used instead. */
  clockReplaced: boolean;
}

/** Device timestamps further than this from the receive time are a broken clock. */
const MAX_PAST_MS = 30 * 24 * 3600_000;
const MAX_FUTURE_MS = 10 * 60_000;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/;

type Plain = Record<string, unknown>;

function isPlainObject(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

export function validateMessage(decoded: unknown, ctx: ValidationContext): Result<Validated> {
  if (!isPlainObject(decoded)) return reject('not_an_object', 'payload must be a map/object');
  const ts = readTimestamp(decoded, ctx.receivedAtMs);
  if (!ts.ok) return ts;
  const envelope = { deviceId: ctx.deviceId, tsMs: ts.value.tsMs, receivedAtMs: ctx.receivedAtMs };
  const clockReplaced = ts.value.replaced;
  switch (ctx.channel) {
    case 'telemetry': {
      const values = validateFields(decoded, TELEMETRY_FIELDS[ctx.kind], ['ts']);
      if (!values.ok) return values;
      if (isEmpty(values.value.values)) return noKnownField(ctx.kind, values.value.ignored);
      // validateFields checked every value against TELEMETRY_FIELDS[kind], which ValuesByKind mirrors.
      // Written out, not spread: `{ ...envelope, newKey }` costs over a microsecond in V8 (Node 20).
      const reading = { deviceId: envelope.deviceId, tsMs: envelope.tsMs, receivedAtMs: envelope.receivedAtMs, kind: ctx.kind, values: values.value.values } as Reading;
      return { ok: true, value: { message: { channel: 'telemetry', reading }, ignoredFields: values.value.ignored, clockReplaced } };
    }
    case 'events':
      return validateEvent(decoded, ctx, envelope, clockReplaced);
    case 'status': {
      const status = validateFields(decoded, STATUS_FIELDS, ['ts']);
      if (!status.ok) return status;
      const v = status.value.values;
      if (typeof v.online !== 'boolean') return reject('missing_field', 'status needs "online": true|false', 'online');
      const message: DecodedMessage = {
        channel: 'status',
        status: {
          ...envelope,
          kind: ctx.kind,
          online: v.online,
          ...(typeof v.bat === 'number' ? { bat: v.bat } : {}),
          ...(typeof v.fw === 'string' ? { fw: v.fw } : {}),
        },
      };
      return { ok: true, value: { message, ignoredFields: status.value.ignored, clockReplaced } };
    }
  }
}

const STATUS_FIELDS: Record<string, FieldSpec | { type: 'version' }> = {
  online: { type: 'boolean' },
  bat: { type: 'number', unit: '%', min: 0, max: 100 },
  fw: { type: 'version' },
};

const EVENT_FIELDS = {
  confidence: { type: 'number', unit: 'ratio', min: 0, max: 1 },
  lat: TELEMETRY_FIELDS.bracelet.lat,
  lon: TELEMETRY_FIELDS.bracelet.lon,
} as const satisfies Record<string, FieldSpec>;

function validateEvent(
  decoded: Plain,
  ctx: ValidationContext,
  envelope: { deviceId: string; tsMs: number; receivedAtMs: number },
  clockReplaced: boolean,
): Result<Validated> {
  const type = decoded.type;
  if (typeof type !== 'string') return reject('missing_field', 'event needs a string "type"', 'type');
  if (ctx.kind === 'air') return reject('unknown_event', 'air stations send no events', 'type');
  if (ctx.kind === 'aed') {
    if (!(AED_EVENT_TYPES as readonly string[]).includes(type)) {
      return reject('unknown_event', `unknown AED event "${type}"`, 'type');
    }
    const rest = validateFields(decoded, {}, ['ts', 'type']);
    if (!rest.ok) return rest;
    const message: DecodedMessage = {
      channel: 'events',
      event: { ...envelope, kind: 'aed', event: { type: type as (typeof AED_EVENT_TYPES)[number] } },
    };
    return { ok: true, value: { message, ignoredFields: rest.value.ignored, clockReplaced } };
  }
  if (ctx.kind === 'bin') {
    if (!(BIN_EVENT_TYPES as readonly string[]).includes(type)) {
      return reject('unknown_event', `unknown bin event "${type}" (expected ${BIN_EVENT_TYPES.join(', ')})`, 'type');
    }
    const rest = validateFields(decoded, {}, ['ts', 'type']);
    if (!rest.ok) return rest;
    const message: DecodedMessage = {
      channel: 'events',
      event: { ...envelope, kind: 'bin', event: { type: type as (typeof BIN_EVENT_TYPES)[number] } },
    };
    return { ok: true, value: { message, ignoredFields: rest.value.ignored, clockReplaced } };
  }
  if (!(BRACELET_EVENT_TYPES as readonly string[]).includes(type)) {
    return reject('unknown_event', `unknown bracelet event "${type}"`, 'type');
  }
  const fields = validateFields(decoded, EVENT_FIELDS, ['ts', 'type']);
  if (!fields.ok) return fields;
  const v = fields.value.values as { confidence?: number; lat?: number; lon?: number };
  const where = { ...(v.lat !== undefined ? { lat: v.lat } : {}), ...(v.lon !== undefined ? { lon: v.lon } : {}) };
  let event;
  if (type === 'fall') {
    // A bracelet that sends no confidence still reports a fall: when in doubt, page.
    event = { type: 'fall' as const, confidence: v.confidence ?? 1, ...where };
  } else if (type === 'sos') {
    event = { type: 'sos' as const, ...where };
  } else {
    event = { type: 'cancel' as const };
  }
  const message: DecodedMessage = { channel: 'events', event: { ...envelope, kind: 'bracelet', event } };
  return { ok: true, value: { message, ignoredFields: fields.value.ignored, clockReplaced } };
}

function readTimestamp(decoded: Plain, receivedAtMs: number): Result<{ tsMs: number; replaced: boolean }> {
  const ts = decoded.ts;
  if (ts === undefined) return { ok: true, value: { tsMs: receivedAtMs, replaced: false } };
  if (typeof ts !== 'number' || !Number.isFinite(ts)) {
    return reject('wrong_type', '"ts" must be a number of milliseconds since the epoch', 'ts');
  }
  if (ts < 0) return reject('bad_timestamp', '"ts" must not be negative', 'ts');
  // A device with a reset clock still gets its fall through, stamped with our time.
  if (ts < receivedAtMs - MAX_PAST_MS || ts > receivedAtMs + MAX_FUTURE_MS) {
    return { ok: true, value: { tsMs: receivedAtMs, replaced: true } };
  }
  return { ok: true, value: { tsMs: Math.round(ts), replaced: false } };
}

const NO_FIELDS_IGNORED: readonly string[] = Object.freeze([]);

function isEmpty(values: Record<string, unknown>): boolean {
  for (const name in values) if (Object.hasOwn(values, name)) return false;
  return true;
}

/** A reading that would be stored empty: refused, so that a wrong payload shows as an error. */
function noKnownField(kind: DeviceKind, ignored: readonly string[]): { ok: false; rejection: Rejection } {
  const got = ignored.length === 0 ? 'none' : `only ${ignored.slice(0, 5).map((f) => JSON.stringify(f.slice(0, 32))).join(', ')}${ignored.length > 5 ? ', …' : ''}`;
  return reject('no_known_field', `a reading needs at least one ${kind} field (got ${got})`);
}

/** Runs on every device message: a plain loop, no per-field result objects. */
function validateFields(
  decoded: Plain,
  specs: Record<string, FieldSpec | { type: 'version' }>,
  envelopeFields: readonly string[],
): Result<{ values: Record<string, unknown>; ignored: readonly string[] }> {
  const values: Record<string, unknown> = {};
  let ignored: string[] | readonly string[] = NO_FIELDS_IGNORED;
  for (const name in decoded) {
    if (!Object.hasOwn(decoded, name) || envelopeFields.includes(name)) continue;
    const spec = Object.hasOwn(specs, name) ? specs[name] : undefined;
    if (spec === undefined) {
      ignored = ignored === NO_FIELDS_IGNORED ? [name] : [...ignored, name];
      continue;
    }
    const value = decoded[name];
    const problem = checkField(name, value, spec);
    if (problem !== undefined) return problem;
    values[name] = value;
  }
  return { ok: true, value: { values, ignored } };
}

/** Why the value does not fit its spec, or undefined when it does. */
function checkField(name: string, value: unknown, spec: FieldSpec | { type: 'version' }): { ok: false; rejection: Rejection } | undefined {
  switch (spec.type) {
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        return reject('wrong_type', `"${name}" must be a number (${spec.unit})`, name);
      }
      if (value < spec.min || value > spec.max) {
        return reject('out_of_range', `"${name}" = ${value} is outside ${spec.min}..${spec.max} ${spec.unit}`, name);
      }
      if (spec.integer === true && !Number.isInteger(value)) {
        return reject('wrong_type', `"${name}" must be a whole number`, name);
      }
      return undefined;
    case 'boolean':
      if (typeof value !== 'boolean') return reject('wrong_type', `"${name}" must be true or false`, name);
      return undefined;
    case 'enum':
      if (typeof value !== 'string' || !spec.values.includes(value)) {
        return reject('wrong_type', `"${name}" must be one of ${spec.values.join(', ')}`, name);
      }
      return undefined;
    case 'date':
      if (typeof value !== 'string' || !ISO_DATE.test(value) || Number.isNaN(Date.parse(value))) {
        return reject('wrong_type', `"${name}" must be an ISO 8601 date`, name);
      }
      return undefined;
    case 'version':
      if (typeof value !== 'string' || value.length > 32) {
        return reject('wrong_type', `"${name}" must be a version string of at most 32 characters`, name);
      }
      return undefined;
  }
}
