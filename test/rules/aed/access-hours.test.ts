import { describe, expect, it } from 'vitest';
import type { AccessHoursSpec } from '../../../rules/aed/index.js';
import { accessibilityAt, isAccessibleAt, parseAccessHours, validateAccessHours } from '../../../rules/aed/index.js';
import { shanghai, shanghaiIso } from './fixtures.js';

const SH = 'Asia/Shanghai';
// 2025-03-10 is a Monday; 03-15 and 03-16 are the weekend.
const WEEKDAYS_AND_WEEKEND: AccessHoursSpec = { 'mon-fri': '08:00-20:00', 'sat-sun': '09:00-17:00' };

/** "open until HH:MM" / "closed, opens <local time>", for readable tables. */
function describeAt(spec: AccessHoursSpec | undefined, localIso: string, timeZone = SH): string {
  const a = accessibilityAt(spec, shanghai(localIso), timeZone);
  if (a.open) return a.closesAtMs === null ? 'open always' : `open until ${shanghaiIso(a.closesAtMs)}`;
  return a.nextOpeningMs === null ? 'closed for good' : `closed, opens ${shanghaiIso(a.nextOpeningMs)}`;
}

describe('access hours in Asia/Shanghai', () => {
  it.each([
    ['Monday before opening', '2025-03-10T07:59:59', 'closed, opens 2025-03-10T08:00'],
    ['Monday at opening', '2025-03-10T08:00:00', 'open until 2025-03-10T20:00'],
    ['Monday last second', '2025-03-10T19:59:59', 'open until 2025-03-10T20:00'],
    ['Monday at closing', '2025-03-10T20:00:00', 'closed, opens 2025-03-11T08:00'],
    ['Friday night waits for Saturday hours', '2025-03-14T20:30:00', 'closed, opens 2025-03-15T09:00'],
    ['Saturday before weekend opening', '2025-03-15T08:59:00', 'closed, opens 2025-03-15T09:00'],
    ['Saturday at 09:00', '2025-03-15T09:00:00', 'open until 2025-03-15T17:00'],
    ['Sunday after weekend closing', '2025-03-16T17:00:00', 'closed, opens 2025-03-17T08:00'],
  ])('mon-fri 08-20, sat-sun 09-17: %s', (_name, at, expected) => {
    expect(describeAt(WEEKDAYS_AND_WEEKEND, at)).toBe(expected);
  });

  it.each<[string, AccessHoursSpec, string, string]>([
    ['Friday night window, Friday 23:00', { 'fri-sat': '20:00-02:00' }, '2025-03-14T23:00:00', 'open until 2025-03-15T02:00'],
    ['Friday night window, Saturday 01:59', { 'fri-sat': '20:00-02:00' }, '2025-03-15T01:59:00', 'open until 2025-03-15T02:00'],
    ['Friday night window, Saturday 02:00', { 'fri-sat': '20:00-02:00' }, '2025-03-15T02:00:00', 'closed, opens 2025-03-15T20:00'],
    ["Saturday's window spills into Sunday", { 'fri-sat': '20:00-02:00' }, '2025-03-16T01:00:00', 'open until 2025-03-16T02:00'],
    ['nothing starts on Thursday', { 'fri-sat': '20:00-02:00' }, '2025-03-13T23:00:00', 'closed, opens 2025-03-14T20:00'],
    ['Sunday night runs into Monday', { sun: '22:00-06:00' }, '2025-03-10T05:59:00', 'open until 2025-03-10T06:00'],
    ['Sunday night, before it', { sun: '22:00-06:00' }, '2025-03-16T21:59:00', 'closed, opens 2025-03-16T22:00'],
    ['an end of 24:00', { 'mon-sun': '06:00-24:00' }, '2025-03-11T23:59:00', 'open until 2025-03-12T00:00'],
    ['after 24:00', { 'mon-sun': '06:00-24:00' }, '2025-03-12T00:00:00', 'closed, opens 2025-03-12T06:00'],
    ['24:00 meeting the next day at 00:00', { mon: '18:00-24:00', tue: '00:00-06:00' }, '2025-03-10T23:00:00', 'open until 2025-03-11T06:00'],
    ['a single day, a week ahead', { wed: '10:00-12:00' }, '2025-03-13T09:00:00', 'closed, opens 2025-03-19T10:00'],
    ['a range across the weekend', { 'fri-mon': '10:00-16:00' }, '2025-03-16T11:00:00', 'open until 2025-03-16T16:00'],
    ['a range across the weekend, Tuesday', { 'fri-mon': '10:00-16:00' }, '2025-03-11T11:00:00', 'closed, opens 2025-03-14T10:00'],
    ['a narrower key is the exception', { 'mon-sun': '08:00-20:00', sun: '10:00-16:00' }, '2025-03-16T09:00:00', 'closed, opens 2025-03-16T10:00'],
    ['the exception leaves other days alone', { 'mon-sun': '08:00-20:00', sun: '10:00-16:00' }, '2025-03-15T09:00:00', 'open until 2025-03-15T20:00'],
    ['whole days every day', { 'mon-sun': '00:00-24:00' }, '2025-03-12T03:00:00', 'open always'],
    ['24/7', '24/7', '2025-03-12T03:00:00', 'open always'],
    ['a whole day Saturday, closed Sunday', { sat: '00:00-24:00' }, '2025-03-16T00:00:00', 'closed, opens 2025-03-22T00:00'],
  ])('%s', (_name, spec, at, expected) => {
    expect(describeAt(spec, at)).toBe(expected);
  });

  it('treats a cabinet without hours as always accessible', () => {
    expect(describeAt(undefined, '2025-03-12T03:00:00')).toBe('open always');
  });

  it('uses the given zone: one instant is Monday 09:00 in Shanghai and 01:00 in London', () => {
    const t = Date.parse('2025-03-10T01:00:00Z');
    expect(isAccessibleAt(WEEKDAYS_AND_WEEKEND, t, 'Asia/Shanghai')).toBe(true);
    expect(isAccessibleAt(WEEKDAYS_AND_WEEKEND, t, 'Europe/London')).toBe(false);
  });

  it('finds the opening across a daylight-saving change (New York, 2025-03-09)', () => {
    const a = accessibilityAt({ sun: '09:00-17:00' }, Date.parse('2025-03-09T06:00:00Z'), 'America/New_York');
    // 01:00 EST; 09:00 EDT is 13:00Z, seven real hours later.
    expect(a).toEqual({ open: false, nextOpeningMs: Date.parse('2025-03-09T13:00:00Z'), closesAtMs: null });
  });

  it.each<[string, AccessHoursSpec, string]>([
    ['an unknown day', { funday: '08:00-20:00' }, '"funday" is not a weekday or weekday range (mon..sun)'],
    ['a malformed time', { mon: '8-20' }, '"mon": "8-20" is not "HH:MM-HH:MM"'],
    ['an hour past 24', { mon: '25:00-26:00' }, '"mon": "25:00-26:00" is not "HH:MM-HH:MM"'],
    ['a start at 24:00', { mon: '24:00-02:00' }, '"mon": "24:00-02:00" is not "HH:MM-HH:MM"'],
    ['three days in a key', { 'mon-tue-wed': '08:00-20:00' }, '"mon-tue-wed" is not a weekday or weekday range (mon..sun)'],
  ])('refuses %s, and counts it as closed', (_name, spec, error) => {
    expect(validateAccessHours(spec)).toBe(error);
    expect(parseAccessHours(spec).ok).toBe(false);
    expect(isAccessibleAt(spec, shanghai('2025-03-10T12:00:00'), SH)).toBe(false);
  });

  it('accepts the contract example', () => {
    expect(validateAccessHours(WEEKDAYS_AND_WEEKEND)).toBeUndefined();
    expect(validateAccessHours('24/7')).toBeUndefined();
  });
});
