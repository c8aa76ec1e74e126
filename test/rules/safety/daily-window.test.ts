import { describe, expect, it } from 'vitest';
import { parseDailyWindow, windowContains } from '../../../rules/safety/daily-window.js';

describe('parseDailyWindow', () => {
  it.each([
    ['07:00-22:00', { startMin: 420, endMin: 1320 }],
    ['22:00-07:00', { startMin: 1320, endMin: 420 }],
    [' 06:30 - 21:45 ', { startMin: 390, endMin: 1305 }],
    ['00:00-24:00', { startMin: 0, endMin: 0 }],
  ])('parses %j', (text, expected) => {
    expect(parseDailyWindow(text)).toEqual(expected);
  });

  it.each(['', '07:00', '7:00-22:00', '07:00-22:60', '24:00-07:00', '07:00-24:01', '25:00-07:00', 'a-b', '07:00-22:00-23:00'])(
    'refuses %j',
    (text) => {
      expect(parseDailyWindow(text)).toBeUndefined();
    },
  );
});

describe('windowContains', () => {
  const day = { startMin: 420, endMin: 1320 };
  const night = { startMin: 1320, endMin: 420 };
  const whole = { startMin: 0, endMin: 0 };
  it.each([
    [day, 419, false],
    [day, 420, true],
    [day, 1319, true],
    [day, 1320, false],
    [night, 1319, false],
    [night, 1320, true],
    [night, 0, true],
    [night, 419, true],
    [night, 420, false],
    [whole, 0, true],
    [whole, 1439, true],
  ])('%j contains minute %i: %s', (window, minute, expected) => {
    expect(windowContains(window, minute)).toBe(expected);
  });
});
