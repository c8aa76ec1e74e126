import { describe, expect, it } from 'vitest';
import type { AccessHoursSpec } from '../../../rules/aed/index.js';
import { nextWorkingTimeMs } from '../../../rules/aed/index.js';
import { shanghai, shanghaiIso } from './fixtures.js';

describe('nextWorkingTimeMs', () => {
  it.each<[string, string, string | AccessHoursSpec | undefined, string]>([
    ['a fault at 10:00 pages now', '2025-03-10T10:00:00', undefined, '2025-03-10T10:00'],
    ['07:00 waits for 08:00', '2025-03-10T07:00:00', undefined, '2025-03-10T08:00'],
    ['20:00 is after hours', '2025-03-10T20:00:00', undefined, '2025-03-11T08:00'],
    ['a fault at 03:00 waits for the morning', '2025-03-11T03:00:00', undefined, '2025-03-11T08:00'],
    ['own daily hours', '2025-03-10T08:30:00', '09:00-17:30', '2025-03-10T09:00'],
    ['weekdays only: Saturday waits for Monday', '2025-03-15T10:00:00', { 'mon-fri': '09:00-18:00' }, '2025-03-17T09:00'],
    ['24/7 pages at once', '2025-03-11T03:00:00', '24/7', '2025-03-11T03:00'],
  ])('%s', (_name, at, hours, expected) => {
    const result = hours === undefined ? nextWorkingTimeMs(shanghai(at), 'Asia/Shanghai') : nextWorkingTimeMs(shanghai(at), 'Asia/Shanghai', hours);
    expect(shanghaiIso(result)).toBe(expected);
  });

  it('keeps the exact instant inside working hours', () => {
    const t = shanghai('2025-03-10T12:34:56.789');
    expect(nextWorkingTimeMs(t, 'Asia/Shanghai')).toBe(t);
  });

  it('refuses malformed hours and a zone that does not exist', () => {
    expect(() => nextWorkingTimeMs(0, 'Asia/Shanghai', '8 to 8')).toThrow(RangeError);
    expect(() => nextWorkingTimeMs(0, 'Asia/Shanghai', {})).toThrow(RangeError);
    expect(() => nextWorkingTimeMs(0, 'Mars/Olympus_Mons')).toThrow(RangeError);
  });
});
