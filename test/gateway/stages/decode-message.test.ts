import { describe, expect, it } from 'vitest';
import { decodeMessage } from '../../../gateway/ingest/stages.js';
import { encodeCbor } from '../../../sensors/index.js';

const limits = { maxBytes: 1024, maxDepth: 4 };
const nested = (depth: number): unknown => (depth === 0 ? 1 : { a: nested(depth - 1) });

describe('decodeMessage: a payload as a value', () => {
  it('decodes CBOR and JSON to the same value', () => {
    const value = { ts: 1_700_000_000_000, hr: 72, worn: true };
    expect(decodeMessage(encodeCbor(value), limits)).toEqual({ ok: true, value });
    expect(decodeMessage(Buffer.from(JSON.stringify(value)), limits)).toEqual({ ok: true, value });
  });

  it('takes a payload of exactly the size limit', () => {
    const json = JSON.stringify({ pad: 'x'.repeat(1024 - '{"pad":""}'.length) });
    expect(Buffer.byteLength(json)).toBe(1024);
    expect(decodeMessage(Buffer.from(json), limits).ok).toBe(true);
  });

  it.each([
    ['one byte over the size limit', Buffer.alloc(1025, 0x20), 'too_large'],
    ['an empty payload', Buffer.alloc(0), 'bad_cbor'],
    ['truncated CBOR', Buffer.from([0xa2, 0x62, 0x68, 0x72]), 'bad_cbor'],
    ['malformed JSON', Buffer.from('{"hr": 7'), 'bad_json'],
    ['JSON nested past the depth limit', Buffer.from(JSON.stringify(nested(6))), 'too_deep'],
    ['CBOR nested past the depth limit', encodeCbor(nested(6)), 'too_deep'],
    ['a CBOR tag other than a date', Buffer.from([0xd8, 0x20, 0x61, 0x78]), 'cbor_tag'],
  ])('refuses %s with %s', (_name, payload, reason) => {
    expect(decodeMessage(payload, limits)).toMatchObject({ ok: false, rejection: { reason } });
  });
});
