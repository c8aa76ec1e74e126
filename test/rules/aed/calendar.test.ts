import { describe, expect, it } from 'vitest';
import { daysUntil, isExpired, isoDateDayNumber, localTimeFor, weekdayOfDayNumber } from '../../../rules/aed/index.js';
import { shanghai } from './fixtures.js';

const SH = localTimeFor('Asia/Shanghai');

describe('expiry dates in local time', () => {
  it.each([
    ['2025-03-10T23:59:59', '2025-03-10', 0, false],
    ['2025-03-11T00:00:00', '2025-03-10', -1, true],
    ['2025-03-10T00:00:00', '2025-04-09', 30, false],
    ['2025-03-10T00:00:00', '2025-04-10', 31, false],
    // 2025-03-10T07:30 in Shanghai is still 2025-03-09 in UTC: the local day counts.
    ['2025-03-10T07:30:00', '2025-03-09', -1, true],
  ])('at %s, a date of %s is %i days away (expired: %s)', (at, date, days, expired) => {
    expect(daysUntil(date, shanghai(at), SH)).toBe(days);
    expect(isExpired(date, shanghai(at), SH)).toBe(expired);
  });

  it('reads the date part of a date-time, as a cabinet may report it', () => {
    expect(isoDateDayNumber('2027-05-01T00:00:00Z')).toBe(isoDateDayNumber('2027-05-01'));
  });

  it.each(['2025-02-30', '2025-13-01', '01/05/2027', '2027-5-1', ''])('refuses %j, and never calls it expired', (date) => {
    expect(isoDateDayNumber(date)).toBeUndefined();
    expect(isExpired(date, shanghai('2030-01-01T00:00:00'), SH)).toBe(false);
  });

  it('numbers weekdays from Monday', () => {
    expect(weekdayOfDayNumber(isoDateDayNumber('2025-03-10') ?? NaN)).toBe(0);
    expect(weekdayOfDayNumber(isoDateDayNumber('2025-03-16') ?? NaN)).toBe(6);
    expect(weekdayOfDayNumber(isoDateDayNumber('1969-12-29') ?? NaN)).toBe(0);
  });
});
