import { describe, expect, it } from 'vitest';
import type { AedEngineState } from '../../../rules/aed/index.js';
import { createAedCabinetEngine } from '../../../rules/aed/index.js';
import { aedEvent, aedReading, aedStatus, DAY_MS, HOUR_MS, labels, makeAed, shanghai } from './fixtures.js';

const T0 = shanghai('2025-03-10T10:00:00');
const AED = makeAed();

/** Round-trips the state through JSON, as the store does. */
function persisted(engine: ReturnType<typeof createAedCabinetEngine>): unknown {
  return JSON.parse(JSON.stringify(engine.snapshot()));
}

describe('createAedCabinetEngine: snapshot and restore', () => {
  it('snapshots plain JSON that survives a round trip unchanged', () => {
    const engine = createAedCabinetEngine();
    engine.track(AED, T0);
    engine.onEvent(aedEvent(T0 + 1000, 'door_open'), AED);
    engine.onReading(aedReading(T0 + 2000, { bat: 10 }), AED);
    const snapshot = engine.snapshot();
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
    expect(snapshot.version).toBe(1);
    expect(snapshot.cabinets.a1).toMatchObject({ status: 'in_use', opening: { trigger: 'door_open' }, raised: { battery_low: T0 + 2000 } });
  });

  it('continues a use and keeps raised faults raised across a restart', () => {
    const before = createAedCabinetEngine();
    before.track(AED, T0);
    before.onEvent(aedEvent(T0 + 1000, 'door_open'), AED);
    before.onReading(aedReading(T0 + 2000, { bat: 10 }), AED);
    const after = createAedCabinetEngine();
    expect(after.restore(persisted(before))).toEqual({ ok: true, cabinets: 1, skipped: [] });
    expect(after.onReading(aedReading(T0 + 60_000, { bat: 9 }), AED)).toEqual([]);
    expect(labels(after.onEvent(aedEvent(T0 + 120_000, 'door_closed'), AED))).toEqual(['note:aed_opened', 'restock', 'state:in_use>fault']);
  });

  it('does not count gateway downtime as cabinet silence', () => {
    const before = createAedCabinetEngine();
    before.track(AED, T0);
    before.onStatus(aedStatus(T0, true), AED);
    before.tick(T0 + 20 * HOUR_MS);
    const after = createAedCabinetEngine();
    after.restore(persisted(before));
    // Down for 10 hours: 20 h of silence before, and the clock restarts after the gap.
    const resumed = T0 + 30 * HOUR_MS;
    expect(after.tick(resumed)).toEqual([]);
    expect(after.tick(resumed + 4 * HOUR_MS - 1)).toEqual([]);
    expect(labels(after.tick(resumed + 4 * HOUR_MS))).toEqual(['raise:no_heartbeat', 'state:ready>offline']);
  });

  it('without a restore, the same cabinet starts afresh', () => {
    const fresh = createAedCabinetEngine();
    fresh.track(AED, T0 + 30 * HOUR_MS);
    expect(fresh.tick(T0 + 34 * HOUR_MS)).toEqual([]);
  });

  it('keeps the daily expiry check to once a day across a restart', () => {
    const aed = makeAed({ padsExpiry: '2025-04-01' });
    const before = createAedCabinetEngine();
    expect(labels(before.track(aed, T0))).toEqual(['raise:pads_expiring']);
    const after = createAedCabinetEngine();
    after.restore(persisted(before));
    expect(after.track(aed, T0 + HOUR_MS)).toEqual([]);
    expect(after.tick(T0 + DAY_MS)).toEqual([]);
  });

  it.each<[string, unknown, string]>([
    ['not an object', 42, 'state is not an object'],
    ['another version', { version: 99, clockMs: null, cabinets: {} }, 'unsupported state version 99'],
    ['no cabinets', { version: 1, clockMs: null }, 'state.cabinets is not an object'],
    ['a bad clock', { version: 1, clockMs: 'soon', cabinets: {} }, 'state.clockMs is not a number'],
  ])('refuses %s', (_name, state, reason) => {
    expect(createAedCabinetEngine().restore(state)).toEqual({ ok: false, reason });
  });

  it('skips a malformed cabinet and keeps the rest', () => {
    const before = createAedCabinetEngine();
    before.track(AED, T0);
    before.track(makeAed({ id: 'a2' }), T0);
    const state = persisted(before) as AedEngineState;
    const broken = { ...state, cabinets: { ...state.cabinets, a2: { ...state.cabinets.a2, status: 'exploded' }, a3: 'junk' } };
    const after = createAedCabinetEngine();
    expect(after.restore(broken)).toEqual({ ok: true, cabinets: 1, skipped: ['a2', 'a3'] });
    expect(Object.keys(after.summaries())).toEqual(['a1']);
  });

  it('evaluates a late message at the latest time seen: time never runs backwards', () => {
    const engine = createAedCabinetEngine();
    engine.track(AED, T0);
    engine.tick(T0 + HOUR_MS);
    const [raise] = engine.onEvent(aedEvent(T0, 'door_open'), AED);
    expect(raise?.occurredAtMs).toBe(T0 + HOUR_MS);
  });

  it('forgets an untracked cabinet', () => {
    const engine = createAedCabinetEngine();
    engine.track(AED, T0);
    engine.untrack('a1');
    expect(engine.cabinet('a1')).toBeUndefined();
    expect(engine.tick(T0 + 2 * DAY_MS)).toEqual([]);
    expect(engine.confirmRestock('a1', { by: 'w2', atMs: T0 })).toEqual([]);
  });
});
