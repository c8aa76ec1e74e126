import { describe, expect, it } from 'vitest';
import { validateMessage, type ValidationContext } from '../../sensors/index.js';

const NOW = Date.UTC(2026, 10, 23, 4, 0, 0);
const ctx = (kind: ValidationContext['kind'], channel: ValidationContext['channel']): ValidationContext => ({ deviceId: 'd-1', kind, channel, receivedAtMs: NOW });

describe('telemetry', () => {
  it.each([
    ['only unknown fields', { ts: NOW, foo: 1, bar: 'x' }, 'only "foo", "bar"'],
    ['only a time', { ts: NOW }, 'none'],
    ['nothing', {}, 'none'],
  ])('refuses a reading with %s instead of storing it empty', (_what, value, got) => {
    expect(validateMessage(value, ctx('air', 'telemetry'))).toEqual({
      ok: false,
      rejection: { reason: 'no_known_field', message: `a reading needs at least one air field (got ${got})` },
    });
  });

  it('keeps known fields and reports unknown ones without refusing', () => {
    const result = validateMessage({ ts: NOW - 1000, hr: 72, sbp: 130, firmwareTemp: 41 }, ctx('bracelet', 'telemetry'));
    expect(result).toEqual({
      ok: true,
      value: {
        message: { channel: 'telemetry', reading: { deviceId: 'd-1', kind: 'bracelet', tsMs: NOW - 1000, receivedAtMs: NOW, values: { hr: 72, sbp: 130 } } },
        ignoredFields: ['firmwareTemp'],
        clockReplaced: false,
      },
    });
  });

  it.each([
    ['bracelet', { hr: 900 }, 'out_of_range', 'hr'],
    ['bracelet', { hr: 19 }, 'out_of_range', 'hr'],
    ['bracelet', { hr: '72' }, 'wrong_type', 'hr'],
    ['bracelet', { spo2: 101 }, 'out_of_range', 'spo2'],
    ['bracelet', { motion: 1.5 }, 'out_of_range', 'motion'],
    ['bracelet', { worn: 1 }, 'wrong_type', 'worn'],
    ['bracelet', { steps: 10.5 }, 'wrong_type', 'steps'],
    ['bracelet', { lat: 91 }, 'out_of_range', 'lat'],
    ['bracelet', { hr: Number.NaN }, 'wrong_type', 'hr'],
    ['air', { pm25: -3 }, 'out_of_range', 'pm25'],
    ['air', { co: 'high' }, 'wrong_type', 'co'],
    ['aed', { door: 'ajar' }, 'wrong_type', 'door'],
    ['aed', { padsExpiry: 'next May' }, 'wrong_type', 'padsExpiry'],
    ['aed', { selfTest: true }, 'wrong_type', 'selfTest'],
  ] as const)('%s %j is refused as %s naming %s', (kind, values, reason, field) => {
    expect(validateMessage(values, ctx(kind, 'telemetry'))).toMatchObject({ ok: false, rejection: { reason, field } });
  });

  it('accepts the edges of each range', () => {
    expect(validateMessage({ hr: 20, spo2: 100, motion: 0, bat: 100 }, ctx('bracelet', 'telemetry'))).toMatchObject({ ok: true });
    expect(validateMessage({ pm25: 0, rh: 100 }, ctx('air', 'telemetry'))).toMatchObject({ ok: true });
  });

  it('refuses a payload that is not a map', () => {
    for (const value of [[1, 2], 'hr=72', 72, null]) {
      expect(validateMessage(value, ctx('bracelet', 'telemetry'))).toMatchObject({ ok: false, rejection: { reason: 'not_an_object' } });
    }
  });
});

describe('timestamps', () => {
  it('uses the receive time when ts is missing', () => {
    const result = validateMessage({ hr: 70 }, ctx('bracelet', 'telemetry'));
    expect(result.ok && result.value.message.channel === 'telemetry' && result.value.message.reading.tsMs).toBe(NOW);
  });

  it('replaces an implausible device clock with the receive time, and says so', () => {
    for (const ts of [0, NOW + 3600_000, NOW - 40 * 86_400_000]) {
      const result = validateMessage({ type: 'fall', confidence: 0.9, ts }, ctx('bracelet', 'events'));
      expect(result).toMatchObject({ ok: true, value: { clockReplaced: true, message: { event: { tsMs: NOW } } } });
    }
  });

  it('refuses a ts that is not a number', () => {
    expect(validateMessage({ ts: '2026-11-23', hr: 70 }, ctx('bracelet', 'telemetry'))).toMatchObject({ ok: false, rejection: { reason: 'wrong_type', field: 'ts' } });
    expect(validateMessage({ ts: -5, hr: 70 }, ctx('bracelet', 'telemetry'))).toMatchObject({ ok: false, rejection: { reason: 'bad_timestamp' } });
  });
});

describe('events', () => {
  it('accepts a fall with its confidence and place', () => {
    expect(validateMessage({ type: 'fall', confidence: 0.82, lat: 30.26, lon: 120.15 }, ctx('bracelet', 'events'))).toMatchObject({
      ok: true,
      value: { message: { channel: 'events', event: { kind: 'bracelet', event: { type: 'fall', confidence: 0.82, lat: 30.26, lon: 120.15 } } } },
    });
  });

  it.each([
    ['bracelet', { type: 'fall', confidence: 1.2 }, 'out_of_range'],
    ['bracelet', { type: 'door_open' }, 'unknown_event'],
    ['bracelet', { confidence: 0.9 }, 'missing_field'],
    ['aed', { type: 'fall', confidence: 1 }, 'unknown_event'],
    ['air', { type: 'sos' }, 'unknown_event'],
  ] as const)('%s %j is refused as %s', (kind, value, reason) => {
    expect(validateMessage(value, ctx(kind, 'events'))).toMatchObject({ ok: false, rejection: { reason } });
  });

  it('takes a fall without confidence as certain: when in doubt, page', () => {
    expect(validateMessage({ type: 'fall', lat: 30.26, lon: 120.15 }, ctx('bracelet', 'events'))).toMatchObject({
      ok: true,
      value: { message: { event: { event: { type: 'fall', confidence: 1, lat: 30.26, lon: 120.15 } } } },
    });
  });

  it('accepts every AED event type', () => {
    for (const type of ['door_open', 'door_closed', 'aed_removed', 'aed_returned', 'self_test_fail', 'maintenance_start', 'maintenance_end']) {
      expect(validateMessage({ type }, ctx('aed', 'events'))).toMatchObject({ ok: true, value: { message: { event: { event: { type } } } } });
    }
  });
});

describe('status', () => {
  it('needs online, and keeps battery and firmware', () => {
    expect(validateMessage({ online: false, bat: 12, fw: '1.4.2' }, ctx('aed', 'status'))).toMatchObject({
      ok: true,
      value: { message: { channel: 'status', status: { online: false, bat: 12, fw: '1.4.2' } } },
    });
    expect(validateMessage({ bat: 12 }, ctx('aed', 'status'))).toMatchObject({ ok: false, rejection: { reason: 'missing_field', field: 'online' } });
  });
});
