import { describe, expect, it } from 'vitest';
import { validateDecoded } from '../../../gateway/ingest/stages.js';
import type { DeviceEntity } from '../../../gateway/registry/schemas.js';

const T0 = Date.parse('2026-12-07T08:00:00Z');
const bracelet: DeviceEntity = { id: 'b-1', kind: 'bracelet', resident: 'r1' };
const air: DeviceEntity = { id: 's-1', kind: 'air', station: 'st1' };

describe('validateDecoded: what this kind of device may send on this channel', () => {
  it('makes a reading of a bracelet telemetry message, in device time', () => {
    expect(validateDecoded({ ts: T0 - 500, hr: 72, spo2: 97 }, bracelet, 'telemetry', T0)).toEqual({
      ok: true,
      value: {
        message: { channel: 'telemetry', reading: { deviceId: 'b-1', kind: 'bracelet', tsMs: T0 - 500, receivedAtMs: T0, values: { hr: 72, spo2: 97 } } },
        ignoredFields: [],
        clockReplaced: false,
      },
    });
  });

  it('makes a fall event, and a status', () => {
    expect(validateDecoded({ type: 'fall', confidence: 0.8 }, bracelet, 'events', T0)).toMatchObject({
      ok: true,
      value: { message: { channel: 'events', event: { deviceId: 'b-1', tsMs: T0, event: { type: 'fall', confidence: 0.8 } } } },
    });
    expect(validateDecoded({ online: true, bat: 40 }, bracelet, 'status', T0)).toMatchObject({
      ok: true,
      value: { message: { channel: 'status', status: { deviceId: 'b-1', online: true, bat: 40 } } },
    });
  });

  it('leaves unknown fields out and names them, and replaces an implausible device clock', () => {
    const result = validateDecoded({ ts: 5, hr: 72, colour: 'red' }, bracelet, 'telemetry', T0);
    expect(result).toMatchObject({ ok: true, value: { ignoredFields: ['colour'], clockReplaced: true } });
    if (result.ok && result.value.message.channel === 'telemetry') expect(result.value.message.reading.tsMs).toBe(T0);
  });

  it.each([
    ['a value that is not a map', [1, 2], bracelet, 'telemetry', 'not_an_object'],
    ['a status without online', { bat: 40 }, bracelet, 'status', 'missing_field'],
    ['an event without a type', { confidence: 0.5 }, bracelet, 'events', 'missing_field'],
    ['an unknown bracelet event', { type: 'dance' }, bracelet, 'events', 'unknown_event'],
    ['an event from an air station', { type: 'fall' }, air, 'events', 'unknown_event'],
    ['a heart rate that is not a number', { hr: 'fast' }, bracelet, 'telemetry', 'wrong_type'],
    ['a timestamp that is not a number', { ts: 'today', hr: 72 }, bracelet, 'telemetry', 'wrong_type'],
    ['a negative timestamp', { ts: -1, hr: 72 }, bracelet, 'telemetry', 'bad_timestamp'],
    ['a heart rate outside what a bracelet measures', { hr: 400 }, bracelet, 'telemetry', 'out_of_range'],
    ['a reading with no field of its kind', { pm25: 12 }, bracelet, 'telemetry', 'no_known_field'],
  ] as const)('refuses %s with %s', (_name, decoded, device, channel, reason) => {
    expect(validateDecoded(decoded, device, channel, T0)).toMatchObject({ ok: false, rejection: { reason } });
  });
});
