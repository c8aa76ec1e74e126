import { describe, expect, it } from 'vitest';
import { createEngineClock, restoreEngineEntries, snapshotEngine } from '../../../rules/safety/engine-clock.js';

function recordingClock() {
  const gaps: number[] = [];
  const clock = createEngineClock((gapMs) => gaps.push(gapMs));
  return { clock, gaps };
}

describe('engine clock', () => {
  it('starts unset and follows the latest time seen', () => {
    const { clock } = recordingClock();
    expect(clock.latestMs()).toBeNull();
    expect(clock.advance(1_000)).toBe(1_000);
    expect(clock.advance(5_000)).toBe(5_000);
    expect(clock.latestMs()).toBe(5_000);
  });

  it('never runs backwards: an earlier time is evaluated at the latest one', () => {
    const { clock } = recordingClock();
    clock.advance(5_000);
    expect(clock.advance(2_000)).toBe(5_000);
    expect(clock.latestMs()).toBe(5_000);
  });

  it('reports the downtime once, on the first advance after a resume', () => {
    const { clock, gaps } = recordingClock();
    clock.advance(1_000);
    clock.resumeFrom(10_000);
    expect(clock.latestMs()).toBe(10_000);
    expect(gaps).toEqual([]);
    expect(clock.advance(70_000)).toBe(70_000);
    expect(clock.advance(90_000)).toBe(90_000);
    expect(gaps).toEqual([60_000]);
  });

  it('reports no downtime when the first time after a resume is not later', () => {
    const { clock, gaps } = recordingClock();
    clock.resumeFrom(10_000);
    expect(clock.advance(9_000)).toBe(10_000);
    expect(clock.advance(20_000)).toBe(20_000);
    expect(gaps).toEqual([]);
  });

  it('resumes from a snapshot taken before any time came in', () => {
    const { clock, gaps } = recordingClock();
    clock.advance(3_000);
    clock.resumeFrom(null);
    expect(clock.latestMs()).toBeNull();
    expect(clock.advance(1_000)).toBe(1_000);
    expect(gaps).toEqual([]);
  });
});

describe('engine snapshot and restore', () => {
  const keepIfNamed = (id: string, raw: unknown) =>
    typeof raw === 'object' && raw !== null && (raw as { name?: unknown }).name === id ? (raw as { name: string }) : undefined;

  it('snapshots a deep copy with the clock and the entries by id', () => {
    const { clock } = recordingClock();
    clock.advance(42);
    const entries = new Map([['a', { name: 'a', nested: { n: 1 } }]]);
    const snap = snapshotEngine(1, clock, 'things', entries);
    expect(snap).toEqual({ version: 1, clockMs: 42, things: { a: { name: 'a', nested: { n: 1 } } } });
    entries.get('a')!.nested.n = 2;
    expect(snap.things.a!.nested.n).toBe(1);
  });

  it('round-trips through JSON, skipping and naming entries that do not fit', () => {
    const { clock } = recordingClock();
    clock.advance(7);
    const snap = snapshotEngine(3, clock, 'things', new Map<string, unknown>([['a', { name: 'a' }], ['b', { name: 'not b' }]]));
    const restored = restoreEngineEntries(JSON.parse(JSON.stringify(snap)), 3, 'things', keepIfNamed);
    expect(restored).toEqual({ ok: true, clockMs: 7, entries: new Map([['a', { name: 'a' }]]), skipped: ['b'] });
  });

  it('does not share objects with the state it was given', () => {
    const state = { version: 1, clockMs: null, things: { a: { name: 'a' } } };
    const restored = restoreEngineEntries(state, 1, 'things', keepIfNamed);
    if (!restored.ok) throw new Error(restored.reason);
    state.things.a.name = 'changed';
    expect(restored.entries.get('a')).toEqual({ name: 'a' });
  });

  it.each([
    ['not an object', 'nope', 'state is not an object'],
    ['another version', { version: 2, clockMs: 1, things: {} }, 'unsupported state version 2'],
    ['no entries', { version: 1, clockMs: 1 }, 'state.things is not an object'],
    ['entries as a list', { version: 1, clockMs: 1, things: [] }, 'state.things is not an object'],
    ['a clock that is not a number', { version: 1, clockMs: '5', things: {} }, 'state.clockMs is not a number'],
    ['no clock at all', { version: 1, things: {} }, 'state.clockMs is not a number'],
  ])('refuses %s', (_name, state, reason) => {
    expect(restoreEngineEntries(state, 1, 'things', keepIfNamed)).toEqual({ ok: false, reason });
  });
});
