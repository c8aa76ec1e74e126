import { describe, expect, it } from 'vitest';
import { validateMessage, type ValidationContext } from '../../sensors/index.js';

/* The `bin` kind (CONTRACT.md §6): fill %, any subset of a station's air fields, lid and fire events. */

const NOW = Date.UTC(2026, 11, 7, 2, 0, 0);
const ctx = (channel: ValidationContext['channel']): ValidationContext => ({ deviceId: 'bin-01', kind: 'bin', channel, receivedAtMs: NOW });

describe('bin telemetry', () => {
  it.each([
    ['fill only', { fill: 42 }],
    ['PM only', { pm25: 31, pm10: 55 }],
    ['every air field and fill', { fill: 100, pm25: 31, pm10: 55, o3: 40, no2: 22, so2: 4, co: 0.6, tempC: 18.5, rh: 60 }],
  ])('accepts %s', (_what, values) => {
    const result = validateMessage({ ts: NOW - 1000, ...values }, ctx('telemetry'));
    expect(result).toEqual({
      ok: true,
      value: { message: { channel: 'telemetry', reading: { deviceId: 'bin-01', kind: 'bin', tsMs: NOW - 1000, receivedAtMs: NOW, values } }, ignoredFields: [], clockReplaced: false },
    });
  });

  it.each([
    [{ fill: 101 }, 'out_of_range', 'fill'],
    [{ fill: -1 }, 'out_of_range', 'fill'],
    [{ fill: 'full' }, 'wrong_type', 'fill'],
    [{ pm25: 6000 }, 'out_of_range', 'pm25'],
    [{ rh: 120 }, 'out_of_range', 'rh'],
  ])('refuses %j with %s on %s', (values, reason, field) => {
    const result = validateMessage({ ts: NOW, ...values }, ctx('telemetry'));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.rejection).toMatchObject({ reason, field });
  });

  it('refuses a bracelet field as a reading with no bin field, naming what came', () => {
    const result = validateMessage({ hr: 80 }, ctx('telemetry'));
    expect(result).toEqual({ ok: false, rejection: { reason: 'no_known_field', message: 'a reading needs at least one bin field (got only "hr")' } });
  });
});

describe('bin events', () => {
  it.each(['lid_open', 'lid_closed', 'fire'])('accepts %s', (type) => {
    const result = validateMessage({ ts: NOW, type }, ctx('events'));
    expect(result).toEqual({ ok: true, value: { message: { channel: 'events', event: { deviceId: 'bin-01', kind: 'bin', tsMs: NOW, receivedAtMs: NOW, event: { type } } }, ignoredFields: [], clockReplaced: false } });
  });

  it('refuses an AED event from a bin with a stable code', () => {
    const result = validateMessage({ type: 'door_open' }, ctx('events'));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.rejection).toMatchObject({ reason: 'unknown_event', field: 'type' });
  });
});
