import { Decoder } from 'cbor-x';
import { describe, expect, it } from 'vitest';
import { decodePayload, detectEncoding, encodeCbor, DEFAULT_DECODE_LIMITS } from '../../sensors/index.js';
import { seededRandom } from '../helpers/seeded-random.js';

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

describe('CBOR tags: dates only, the rest refused before decoding', () => {
  const limits = { maxBytes: 64 * 1024, maxDepth: 8 };
  const tagged = (tagHead: number[], content: number[]): Uint8Array => bytes(0xa1, 0x62, 0x68, 0x72, ...tagHead, ...content); // {"hr": tag(content)}

  it('accepts a date as text (tag 0) or as epoch seconds (tag 1)', () => {
    expect(decodePayload(tagged([0xc0], [0x6a, ...Buffer.from('2026-12-07')]), limits)).toMatchObject({ ok: true });
    expect(decodePayload(tagged([0xc1], [0x1a, 0x65, 0x53, 0xf1, 0x00]), limits)).toMatchObject({ ok: true });
  });

  it.each([
    ['a 16 KB positive bignum (tag 2)', [0xc2], [0x59, 0x40, 0x00, ...new Array<number>(16 * 1024).fill(0xff)], 2],
    ['a negative bignum (tag 3)', [0xc3], [0x41, 0x01], 3],
    ['a Map (tag 259)', [0xd9, 0x01, 0x03], [0xa1, 0x01, 0x02], 259],
    ['a Set (tag 258)', [0xd9, 0x01, 0x02], [0x82, 0x01, 0x02], 258],
    ['a regular expression (tag 35)', [0xd8, 0x23], [0x62, 0x61, 0x2a], 35],
    ['a tag inside an allowed one', [0xc1], [0xc2, 0x41, 0x01], 2],
  ])('refuses %s, naming the tag', (_what, tagHead, content, tag) => {
    expect(decodePayload(tagged(tagHead, content), limits)).toEqual({
      ok: false,
      rejection: { reason: 'cbor_tag', message: `CBOR tag ${tag} is not accepted (only dates: tags 0 and 1)` },
    });
  });
});

describe('the flat-map fast path gives what cbor-x gives', () => {
  const reference = new Decoder({ mapsAsObjects: true, useRecords: false, bundleStrings: false });
  const random = seededRandom(42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const KEYS = ['ts', 'hr', 'spo2', 'motion', 'worn', 'bat', 'lat', 'lon', 'pm25', 'door', 'x'.repeat(23), 'x'.repeat(24), 'clé', '__proto__', 'constructor', ''];
  const VALUES: (() => unknown)[] = [
    () => Math.floor(random() * 24),
    () => Math.floor(random() * 256),
    () => Math.floor(random() * 65_536),
    () => Math.floor(random() * 2 ** 32),
    () => -1 - Math.floor(random() * 2 ** 32),
    () => 2 ** 53 + 2,
    () => random() * 200 - 100,
    () => Math.fround(random()),
    () => -0,
    () => Number.NaN,
    () => random() < 0.5,
    () => null,
    () => undefined,
    () => 'open',
    () => 'é',
    () => 'y'.repeat(30),
    () => [1, 2],
    () => ({ nested: 1 }),
    () => new Uint8Array([1, 2]),
  ];

  function sample(): Uint8Array {
    const value: Record<string, unknown> = {};
    const n = Math.floor(random() * 8);
    // defineProperty: an assignment to `__proto__` would set the prototype instead of a key.
    for (let i = 0; i < n; i++) Object.defineProperty(value, pick(KEYS), { value: pick(VALUES)(), enumerable: true, writable: true, configurable: true });
    const encoded = encodeCbor(value);
    // Now and then a float32 in place of a float64, or a short map head instead of cbor-x's 0xb9.
    if (random() < 0.3 && encoded[0] === 0xb9 && encoded[1] === 0 && encoded[2]! < 24) return Uint8Array.from([0xa0 + encoded[2]!, ...encoded.subarray(3)]);
    return encoded;
  }

  function mutate(bytes: Uint8Array): Uint8Array {
    const copy = Uint8Array.from(bytes);
    if (copy.length === 0) return copy;
    if (random() < 0.5) return copy.subarray(0, Math.floor(random() * copy.length));
    copy[Math.floor(random() * copy.length)] = Math.floor(random() * 256);
    return copy;
  }

  it('decodes 5,000 generated payloads, and as many damaged ones, to the same values (or refuses what cbor-x cannot read)', () => {
    let fast = 0;
    for (let i = 0; i < 5_000; i++) {
      for (const bytes of [sample(), mutate(sample())]) {
        if (bytes.length === 0) continue;
        const ours = decodePayload(bytes, { maxBytes: 1 << 20, maxDepth: 8 });
        let theirs: { value: unknown } | undefined;
        try {
          theirs = { value: reference.decode(bytes) };
        } catch {
          theirs = undefined;
        }
        if (ours.ok) {
          expect(theirs, `bytes ${Buffer.from(bytes).toString('hex')}`).toBeDefined();
          expect(ours.value, `bytes ${Buffer.from(bytes).toString('hex')}`).toEqual(theirs!.value);
          if (typeof ours.value === 'object' && ours.value !== null) expect(Object.getPrototypeOf(ours.value)).toBe(Object.getPrototypeOf(theirs!.value));
          fast++;
        } else if (theirs === undefined) {
          // A damaged byte may turn into a tag head: refused for that before cbor-x would fail.
          expect(['bad_cbor', 'cbor_tag']).toContain(ours.rejection.reason);
        }
      }
    }
    expect(fast).toBeGreaterThan(2_000);
  });

  it('reads half-length heads, 32-bit floats and negative integers as cbor-x does', () => {
    // {hr: 72, t: -300, f: float32 1.5, s: "ok", n: null} with a one-byte map head.
    const bytes = Uint8Array.from([0xa5, 0x62, 0x68, 0x72, 0x18, 0x48, 0x61, 0x74, 0x39, 0x01, 0x2b, 0x61, 0x66, 0xfa, 0x3f, 0xc0, 0x00, 0x00, 0x61, 0x73, 0x62, 0x6f, 0x6b, 0x61, 0x6e, 0xf6]);
    expect(decodePayload(bytes)).toEqual({ ok: true, value: { hr: 72, t: -300, f: 1.5, s: 'ok', n: null } });
    expect(decodePayload(bytes)).toEqual({ ok: true, value: reference.decode(bytes) });
  });
});
