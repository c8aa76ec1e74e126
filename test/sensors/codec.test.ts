import { describe, expect, it } from 'vitest';
import { decodePayload, detectEncoding, encodeCbor, DEFAULT_DECODE_LIMITS } from '../../sensors/index.js';

const bytes = (...b: number[]) => Uint8Array.from(b);

describe('detectEncoding (CONTRACT.md §2)', () => {
  it.each([
    ['a JSON object', Buffer.from('{"hr":1}'), undefined, 'json'],
    ['CBOR map', encodeCbor({ hr: 1 }), undefined, 'cbor'],
    ['JSON array without content type', Buffer.from('[1]'), undefined, 'cbor'],
    ['content type application/json wins', Buffer.from('[1]'), 'application/json', 'json'],
    ['content type application/cbor wins', Buffer.from('{'), 'application/cbor; charset=x', 'cbor'],
  ])('%s', (_name, payload, contentType, expected) => {
    expect(detectEncoding(payload, contentType)).toEqual({ ok: true, value: expected });
  });

  it('refuses other content types', () => {
    expect(detectEncoding(Buffer.from('{}'), 'text/plain')).toMatchObject({ ok: false, rejection: { reason: 'unsupported_content_type' } });
  });
});

describe('decodePayload', () => {
  it('decodes CBOR and JSON to the same value', () => {
    const value = { ts: 1700000000000, hr: 72, worn: true, lat: 30.2655 };
    expect(decodePayload(encodeCbor(value))).toEqual({ ok: true, value });
    expect(decodePayload(Buffer.from(JSON.stringify(value)))).toEqual({ ok: true, value });
  });

  it.each([
    ['an empty payload', bytes(), 'bad_cbor'],
    ['a truncated CBOR map', bytes(0xa2, 0x62, 0x68, 0x72), 'bad_cbor'],
    ['a truncated CBOR string', bytes(0x78, 0x10, 0x61), 'bad_cbor'],
    ['a stray CBOR break', bytes(0xff), 'bad_cbor'],
    ['trailing bytes after a CBOR item', bytes(0x01, 0x02), 'bad_cbor'],
    ['a reserved CBOR header', bytes(0x1c), 'bad_cbor'],
    ['malformed JSON', Buffer.from('{"hr": 7'), 'bad_json'],
    ['JSON with a trailing comma', Buffer.from('{"hr": 7,}'), 'bad_json'],
    ['17 KiB', Buffer.alloc(17 * 1024, 0x20), 'too_large'],
    ['JSON nested 10,000 deep', Buffer.from(`{"a":${'['.repeat(10_000)}${']'.repeat(10_000)}}`), 'too_large'],
  ])('refuses %s', (_name, payload, reason) => {
    expect(decodePayload(payload)).toMatchObject({ ok: false, rejection: { reason } });
  });

  it('refuses over-deep nesting before parsing, in both encodings', () => {
    const limits = { maxBytes: 1024 * 1024, maxDepth: 8 };
    const deepJson = Buffer.from(`{"a":${'['.repeat(10_000)}${']'.repeat(10_000)}}`);
    const deepCbor = Buffer.concat([bytes(0xa1, 0x61, 0x61), Buffer.alloc(10_000, 0x81), bytes(0x01)]);
    const deepIndefinite = Buffer.concat([Buffer.alloc(10_000, 0x9f), Buffer.alloc(10_000, 0xff)]);
    for (const payload of [deepJson, deepCbor, deepIndefinite]) {
      expect(decodePayload(payload, limits)).toMatchObject({ ok: false, rejection: { reason: 'too_deep' } });
    }
  });

  it('accepts nesting up to the limit, and a bracket inside a JSON string does not count', () => {
    const limits = { ...DEFAULT_DECODE_LIMITS, maxDepth: 3 };
    expect(decodePayload(Buffer.from('{"a":[[1]],"s":"[[[[[["}'), limits)).toMatchObject({ ok: true });
    expect(decodePayload(Buffer.from('{"a":[[[1]]]}'), limits)).toMatchObject({ ok: false, rejection: { reason: 'too_deep' } });
    expect(decodePayload(encodeCbor({ a: [[1]] }), limits)).toMatchObject({ ok: true });
    expect(decodePayload(encodeCbor({ a: [[[1]]] }), limits)).toMatchObject({ ok: false, rejection: { reason: 'too_deep' } });
  });

  it('walks tagged and indefinite-length CBOR correctly', () => {
    // tag 1 (epoch time) wrapping an integer, inside a map; and an indefinite-length array.
    expect(decodePayload(bytes(0xa1, 0x62, 0x74, 0x73, 0xc1, 0x1a, 0x65, 0x53, 0xf1, 0x00))).toMatchObject({ ok: true });
    expect(decodePayload(bytes(0xa1, 0x61, 0x61, 0x9f, 0x01, 0x02, 0xff))).toEqual({ ok: true, value: { a: [1, 2] } });
  });
});
