import { describe, expect, it } from 'vitest';
import { createLocalTime, isValidTimeZone } from '../../../rules/safety/local-time.js';
import { HOUR_MS, MINUTE_MS, shanghai } from './fixtures.js';

const WAKING = { startMin: 7 * 60, endMin: 22 * 60 };

describe('createLocalTime', () => {
  it.each([
    ['Asia/Shanghai', '2025-01-01T00:00:00Z', 8 * HOUR_MS],
    ['Asia/Shanghai', '2025-07-01T16:30:00Z', 30 * MINUTE_MS],
    ['Europe/London', '2025-01-15T12:00:00Z', 12 * HOUR_MS],
    ['Europe/London', '2025-07-15T12:00:00Z', 13 * HOUR_MS],
    ['Asia/Kathmandu', '2025-01-01T00:00:00Z', 5 * HOUR_MS + 45 * MINUTE_MS],
    ['America/New_York', '2025-01-01T03:00:00Z', 22 * HOUR_MS],
  ])('%s: local time of day at %s', (zone, iso, expectedMs) => {
    expect(createLocalTime(zone).msOfDay(Date.parse(iso))).toBe(expectedMs);
  });

  // One instant, 2025-06-01T23:30Z, is morning in Shanghai and Tokyo, evening in New York, night in London.
  it.each([
    ['Asia/Shanghai', true],
    ['Asia/Tokyo', true],
    ['America/New_York', true],
    ['Europe/London', false],
    ['Australia/Sydney', true],
    ['Pacific/Honolulu', true],
  ])('waking hours in %s at 2025-06-01T23:30Z: %s', (zone, expected) => {
    expect(createLocalTime(zone).isWithin(Date.parse('2025-06-01T23:30:00Z'), WAKING)).toBe(expected);
  });

  it.each([
    ['06:00 to 08:00', '2025-03-10T06:00:00', '2025-03-10T08:00:00', 1 * HOUR_MS],
    ['inside only', '2025-03-10T09:15:00', '2025-03-10T09:45:00', 30 * MINUTE_MS],
    ['night only', '2025-03-10T22:00:00', '2025-03-11T07:00:00', 0],
    ['21:00 to 08:00 next day', '2025-03-10T21:00:00', '2025-03-11T08:00:00', 2 * HOUR_MS],
    ['two whole days', '2025-03-10T00:00:00', '2025-03-12T00:00:00', 30 * HOUR_MS],
    ['empty interval', '2025-03-10T09:00:00', '2025-03-10T09:00:00', 0],
  ])('Shanghai overlap with 07:00-22:00, %s', (_name, from, to, expected) => {
    expect(createLocalTime('Asia/Shanghai').overlapMs(shanghai(from), shanghai(to), WAKING)).toBe(expected);
  });

  it('counts real time, not wall time, across a spring-forward day (New York, 2025-03-09)', () => {
    const ny = createLocalTime('America/New_York');
    // 00:00 EST is 05:00Z; 12:00 EDT is 16:00Z; waking time is 07:00-12:00 EDT: five real hours.
    expect(ny.overlapMs(Date.parse('2025-03-09T05:00:00Z'), Date.parse('2025-03-09T16:00:00Z'), WAKING)).toBe(5 * HOUR_MS);
    expect(ny.nextTimeOfDayMs(Date.parse('2025-03-09T05:00:00Z'), 7 * 60)).toBe(Date.parse('2025-03-09T11:00:00Z'));
  });

  it('finds 07:00 after a fall-back night (New York, 2025-11-02)', () => {
    const ny = createLocalTime('America/New_York');
    // 00:00 EDT is 04:00Z; 07:00 EST is 12:00Z: eight real hours later.
    expect(ny.nextTimeOfDayMs(Date.parse('2025-11-02T04:00:00Z'), 7 * 60)).toBe(Date.parse('2025-11-02T12:00:00Z'));
  });

  it.each([
    ['2025-03-10T06:59:59', '2025-03-10T07:00:00'],
    ['2025-03-10T07:00:00', '2025-03-10T07:00:00'],
    ['2025-03-10T07:00:01', '2025-03-11T07:00:00'],
    ['2025-03-10T23:00:00', '2025-03-11T07:00:00'],
  ])('next 07:00 in Shanghai from %s is %s', (from, expected) => {
    expect(createLocalTime('Asia/Shanghai').nextTimeOfDayMs(shanghai(from), 7 * 60)).toBe(shanghai(expected));
  });

  it('tells valid zones from invalid ones', () => {
    expect(isValidTimeZone('Asia/Shanghai')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(() => createLocalTime('Mars/Olympus_Mons')).toThrow(RangeError);
  });
});
