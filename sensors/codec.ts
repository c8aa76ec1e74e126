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
  const flat = decodeFlatMap(payload);
  if (flat !== undefined) return { ok: true, value: flat };
  const shape = cborShape(payload, maxDepth);
  if (shape !== 'ok') {
    if (shape === 'too_deep') return reject('too_deep', `CBOR nested deeper than ${maxDepth} levels`);
    if (typeof shape === 'number') return reject('cbor_tag', `CBOR tag ${shape} is not accepted (only dates: tags 0 and 1)`);
    return reject('bad_cbor', `malformed CBOR: ${shape}`);
  }
  try {
    return { ok: true, value: cborDecoder.decode(payload) };
  } catch (err) {
    return reject('bad_cbor', `malformed CBOR: ${(err as Error).message}`);
  }
}

/**
 * What nearly every device sends: one definite-length map of short ASCII text keys to numbers,
 * booleans, null or short ASCII text. Decoded here in one pass, to the values cbor-x gives; for
 * anything else (nesting, tags, byte strings, 64-bit integers, half floats, other text, trailing
 * or missing bytes, a `__proto__` key) it answers undefined and the general path decides. cbor-x
 * sets up more per call than such a payload takes to read.
 */
function decodeFlatMap(bytes: Uint8Array): Record<string, unknown> | undefined {
  const end = bytes.length;
  const head = bytes[0]!;
  let count: number;
  let pos: number;
  if (head >= 0xa0 && head <= 0xb7) {
    count = head - 0xa0;
    pos = 1;
  } else if (head === 0xb8 && end > 1) {
    count = bytes[1]!;
    pos = 2;
  } else if (head === 0xb9 && end > 2) {
    count = (bytes[1]! << 8) | bytes[2]!;
    pos = 3;
  } else return undefined;
  // Each entry takes at least two bytes.
  if (count * 2 > end - pos) return undefined;
  const out: Record<string, unknown> = {};
  let floats: DataView | undefined;
  for (let i = 0; i < count; i++) {
    const keyHead = bytes[pos]!;
    if (keyHead < 0x60 || keyHead > 0x77) return undefined;
    const keyEnd = pos + 1 + (keyHead - 0x60);
    if (keyEnd > end) return undefined;
    const key = keyText(bytes, pos + 1, keyEnd);
    if (key === undefined || key === '__proto__') return undefined;
    pos = keyEnd;
    if (pos >= end) return undefined;
    const initial = bytes[pos++]!;
    const major = initial >> 5;
    const info = initial & 0x1f;
    let value: unknown;
    if (major === 0 || major === 1) {
      let n: number;
      if (info < 24) n = info;
      else if (info === 24 && pos + 1 <= end) n = bytes[pos++]!;
      else if (info === 25 && pos + 2 <= end) {
        n = (bytes[pos]! << 8) | bytes[pos + 1]!;
        pos += 2;
      } else if (info === 26 && pos + 4 <= end) {
        n = ((bytes[pos]! << 24) >>> 0) + ((bytes[pos + 1]! << 16) | (bytes[pos + 2]! << 8) | bytes[pos + 3]!);
        pos += 4;
      } else return undefined;
      value = major === 0 ? n : -1 - n;
    } else if (major === 3 && info < 24) {
      const textEnd = pos + info;
      if (textEnd > end) return undefined;
      value = asciiText(bytes, pos, textEnd);
      if (value === undefined) return undefined;
      pos = textEnd;
    } else if (initial === 0xf4) value = false;
    else if (initial === 0xf5) value = true;
    else if (initial === 0xf6) value = null;
    else if (initial === 0xfa && pos + 4 <= end) {
      floats ??= new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      value = floats.getFloat32(pos);
      pos += 4;
    } else if (initial === 0xfb && pos + 8 <= end) {
      floats ??= new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      value = floats.getFloat64(pos);
      pos += 8;
    } else return undefined;
    out[key] = value;
  }
  return pos === end ? out : undefined;
}

function asciiText(bytes: Uint8Array, from: number, to: number): string | undefined {
  let text = '';
  for (let i = from; i < to; i++) {
    const b = bytes[i]!;
    if (b >= 0x80) return undefined;
    text += String.fromCharCode(b);
  }
  return text;
}

/** Keys seen before, by a hash of their bytes: devices send the same few keys every time. */
const KEY_SLOTS = 1024;
const keyCache: (string | undefined)[] = new Array<string | undefined>(KEY_SLOTS);

function keyText(bytes: Uint8Array, from: number, to: number): string | undefined {
  let hash = to - from;
  for (let i = from; i < to; i++) hash = (Math.imul(hash, 31) + bytes[i]!) | 0;
  const slot = hash & (KEY_SLOTS - 1);
  const cached = keyCache[slot];
  if (cached !== undefined && cached.length === to - from) {
    let same = true;
    for (let i = 0; i < cached.length; i++) {
      if (cached.charCodeAt(i) !== bytes[from + i]) {
        same = false;
        break;
      }
    }
    if (same) return cached;
  }
  const text = asciiText(bytes, from, to);
  if (text !== undefined) keyCache[slot] = text;
  return text;
}

/** The argument of a CBOR head (RFC 8949 §3): its byte length after the initial byte, or -1 if reserved. */
function argumentSize(info: number): number {
  if (info < 24) return 0;
  return info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : -1;
}

/**
 * The CBOR tags a device may send (RFC 8949 §3.4.1-2): a date as text or as seconds since the
 * epoch. Every other tag is refused before decoding: bignums (2, 3) cost the decoder far more
 * than their size, and maps, sets or regular expressions have no place in a reading.
 */
const ALLOWED_CBOR_TAGS = new Set([0, 1]);

/**
 * Walks the CBOR item headers (RFC 8949 §3) without building values, so a deeply nested or
 * truncated payload, or one with a tag not allowed, is refused iteratively before the decoder
 * sees it. One loop and no closures: it runs on every message that is not a flat map. Answers
 * 'ok', 'too_deep', a refused tag's number, or what is malformed.
 */
function cborShape(bytes: Uint8Array, maxDepth: number): 'ok' | 'too_deep' | number | string {
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
        if (!ALLOWED_CBOR_TAGS.has(arg)) return arg;
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
