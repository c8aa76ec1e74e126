import { Decoder, Encoder } from 'cbor-x';
import { reject, type Result } from './types.js';

export interface DecodeLimits {
  /** Largest payload accepted, in bytes. */
  maxBytes: number;
  /** Deepest nesting of maps and arrays accepted. */
  maxDepth: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = { maxBytes: 16 * 1024, maxDepth: 8 };

export type PayloadEncoding = 'cbor' | 'json';

// Plain maps and arrays only: records, structured clones and bundled strings are cbor-x
// extensions a device has no business sending.
const cborDecoder = new Decoder({ mapsAsObjects: true, useRecords: false, bundleStrings: false });
const cborEncoder = new Encoder({ useRecords: false, mapsAsObjects: true });

/**
 * CONTRACT.md §2: an MQTT 5 contentType wins; otherwise a payload whose first byte is `{` is
 * JSON and anything else is CBOR.
 */
export function detectEncoding(payload: Uint8Array, contentType?: string): Result<PayloadEncoding> {
  if (contentType !== undefined && contentType !== '') {
    const mime = contentType.split(';')[0]!.trim().toLowerCase();
    if (mime === 'application/cbor') return { ok: true, value: 'cbor' };
    if (mime === 'application/json') return { ok: true, value: 'json' };
    return reject('unsupported_content_type', `content type ${contentType} is neither application/cbor nor application/json`);
  }
  return { ok: true, value: payload[0] === 0x7b ? 'json' : 'cbor' };
}

/** Decodes a device payload, refusing oversize and over-deep input before parsing it. */
export function decodePayload(payload: Uint8Array, limits: DecodeLimits = DEFAULT_DECODE_LIMITS, contentType?: string): Result<unknown> {
  if (payload.length > limits.maxBytes) {
    return reject('too_large', `payload of ${payload.length} bytes exceeds the limit of ${limits.maxBytes}`);
  }
  if (payload.length === 0) return reject('bad_cbor', 'empty payload');
  const encoding = detectEncoding(payload, contentType);
  if (!encoding.ok) return encoding;
  return encoding.value === 'json' ? decodeJson(payload, limits.maxDepth) : decodeCbor(payload, limits.maxDepth);
}

function decodeJson(payload: Uint8Array, maxDepth: number): Result<unknown> {
  const depth = jsonDepth(payload);
  if (depth > maxDepth) return reject('too_deep', `JSON nested deeper than ${maxDepth} levels`);
  try {
    return { ok: true, value: JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.length).toString('utf8')) };
  } catch (err) {
    return reject('bad_json', `malformed JSON: ${(err as Error).message}`);
  }
}

/** Nesting depth of a JSON text, counting brackets outside strings; stops early once absurd. */
function jsonDepth(bytes: Uint8Array): number {
  let depth = 0;
  let maxSeen = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      if (b === 0x5c) i++; // backslash escapes the next byte
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) inString = true;
    else if (b === 0x7b || b === 0x5b) {
      depth++;
      if (depth > maxSeen) maxSeen = depth;
      if (maxSeen > 1000) return maxSeen;
    } else if (b === 0x7d || b === 0x5d) depth--;
  }
  return maxSeen;
}

function decodeCbor(payload: Uint8Array, maxDepth: number): Result<unknown> {
  const shape = cborShape(payload, maxDepth);
  if (shape !== 'ok') {
    return shape === 'too_deep'
      ? reject('too_deep', `CBOR nested deeper than ${maxDepth} levels`)
      : reject('bad_cbor', `malformed CBOR: ${shape}`);
  }
  try {
    return { ok: true, value: cborDecoder.decode(payload) };
  } catch (err) {
    return reject('bad_cbor', `malformed CBOR: ${(err as Error).message}`);
  }
}

/** The argument of a CBOR head (RFC 8949 §3): its byte length after the initial byte, or -1 if reserved. */
function argumentSize(info: number): number {
  if (info < 24) return 0;
  return info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : -1;
}

/**
 * Walks the CBOR item headers (RFC 8949 §3) without building values, so a deeply nested or
 * truncated payload is refused iteratively instead of recursing in the decoder. One loop and no
 * closures: it runs on every device message.
 */
function cborShape(bytes: Uint8Array, maxDepth: number): 'ok' | 'too_deep' | string {
  // Each frame counts the items still expected in an open container; -1 means indefinite.
  const stack: number[] = [];
  let pos = 0;
  let complete = false;
  while (pos < bytes.length) {
    if (complete) return 'trailing bytes after the first item';
    const initial = bytes[pos++]!;
    const major = initial >> 5;
    const info = initial & 0x1f;
    let itemDone = true;
    if (initial === 0xff) {
      if (stack.length === 0 || stack[stack.length - 1] !== -1) return 'unexpected break';
      stack.pop();
    } else if (info === 31) {
      if (major === 4 || major === 5) {
        if (stack.length + 1 > maxDepth) return 'too_deep';
        stack.push(-1);
        continue;
      }
      if (major === 2 || major === 3) return 'indefinite-length strings are not accepted';
      return 'reserved additional information';
    } else {
      if (info >= 28) return 'reserved additional information';
      const size = argumentSize(info);
      if (size < 0 || pos + size > bytes.length) return 'truncated';
      let arg = info;
      if (size > 0) {
        arg = 0;
        for (let k = 0; k < size; k++) arg = arg * 256 + bytes[pos + k]!;
        pos += size;
      }
      if (major === 2 || major === 3) {
        if (pos + arg > bytes.length) return 'truncated string';
        pos += arg;
      } else if (major === 4 || major === 5) {
        const count = major === 5 ? arg * 2 : arg;
        if (count > 0) {
          if (stack.length + 1 > maxDepth) return 'too_deep';
          if (count > bytes.length) return 'container longer than the payload';
          stack.push(count);
          itemDone = false;
        }
      } else if (major === 6) {
        // A tag wraps the next item: it adds no item of its own.
        itemDone = false;
      }
    }
    if (!itemDone) continue;
    // Close every container this item completes.
    for (;;) {
      if (stack.length === 0) {
        complete = true;
        break;
      }
      const top = stack[stack.length - 1]!;
      if (top === -1) break;
      if (top > 1) {
        stack[stack.length - 1] = top - 1;
        break;
      }
      stack.pop();
    }
  }
  return complete ? 'ok' : 'truncated';
}

export function encodeCbor(value: unknown): Buffer {
  return cborEncoder.encode(value);
}

export function encodeJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}
