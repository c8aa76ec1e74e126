import { describe, expect, it } from 'vitest';
import type { BraceletValues } from '../../../sensors/index.js';
import type { SafetyEngineState, SafetyRulesConfig } from '../../../rules/safety/index.js';
import { createSafetyEngine } from '../../../rules/safety/index.js';
import { HOUR_MS, MINUTE_MS, deviceEvent, labels, makeResident, ofKind, reading, shanghai } from './fixtures.js';

const STILL: BraceletValues = { motion: 0, worn: true, hr: 72 };

/** Readings every 10 min and ticks every minute over [fromMs, toMs). */
function drive(engine: ReturnType<typeof createSafetyEngine>, fromMs: number, toMs: number, values = STILL) {
  const resident = makeResident();
  const out: { atMs: number; label: string }[] = [];
  for (let t = fromMs; t < toMs; t += MINUTE_MS) {
    const outcomes = (t - fromMs) % (10 * MINUTE_MS) === 0 ? engine.onReading(reading(t, values), resident) : [];
    for (const o of [...outcomes, ...engine.tick(t)]) out.push({ atMs: t, label: `${o.type}:${o.kind}` });
  }
  return out;
}

/** Round-trips the state through JSON, as the store does. */
function persisted(engine: ReturnType<typeof createSafetyEngine>): unknown {
  return JSON.parse(JSON.stringify(engine.snapshot()));
}

describe('createSafetyEngine: snapshot and restore', () => {
  it('snapshots plain JSON data that survives a round trip unchanged', () => {
    const engine = createSafetyEngine();
    const start = shanghai('2025-03-10T08:00:00');
    drive(engine, start, start + HOUR_MS);
    engine.onEvent(deviceEvent(start + HOUR_MS, { type: 'fall', confidence: 0.9 }), makeResident());
    const snapshot = engine.snapshot();
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
    expect(snapshot.version).toBe(1);
    expect(Object.keys(snapshot.subjects)).toEqual(['r1']);
    expect(snapshot.subjects.r1?.rules.fall.pending?.untilMs).toBe(start + HOUR_MS + 30_000);
  });

  it('continues a no_motion window across a restart: 3 h before, 1 h after, downtime not counted', () => {
    const start = shanghai('2025-03-10T08:00:00');
    const before = createSafetyEngine();
    // Ticks every minute up to and including 11:00: 3 h of waking stillness counted.
    expect(drive(before, start, start + 3 * HOUR_MS + MINUTE_MS)).toEqual([]);
    expect((persisted(before) as SafetyEngineState).subjects.r1?.rules.noMotion.still.totalMs).toBe(3 * HOUR_MS);
    const state = persisted(before);

    const after = createSafetyEngine();
    expect(after.restore(state)).toEqual({ ok: true, subjects: 1, skipped: [], reset: [] });
    const downtimeMs = 10 * MINUTE_MS;
    const resumed = start + 3 * HOUR_MS + downtimeMs;
    const log = drive(after, resumed, resumed + 2 * HOUR_MS);
    // 11:00-11:10 is downtime; the remaining hour runs from 11:10.
    expect(log.filter((e) => e.label.endsWith('no_motion'))).toEqual([{ atMs: resumed + HOUR_MS, label: 'raise:no_motion' }]);
  });

  it('without a restore, the same stillness starts again from zero', () => {
    const start = shanghai('2025-03-10T08:00:00');
    const fresh = createSafetyEngine();
    const resumed = start + 3 * HOUR_MS + 10 * MINUTE_MS;
    expect(drive(fresh, resumed, resumed + 2 * HOUR_MS).filter((e) => e.label.endsWith('no_motion'))).toEqual([]);
  });

  it('fires a fall cancel window that ended during the downtime on the first tick after restore', () => {
    const t0 = shanghai('2025-03-10T08:00:00');
    const resident = makeResident();
    const before = createSafetyEngine();
    expect(labels(before.onEvent(deviceEvent(t0, { type: 'fall', confidence: 0.9 }), resident))).toEqual(['pending:fall']);
    before.tick(t0 + 5_000);
    const state = persisted(before);

    const after = createSafetyEngine();
    after.restore(state);
    const first = ofKind(after.tick(t0 + 120_000), 'fall');
    expect(first).toMatchObject([{ type: 'raise', severity: 'critical', details: { fallAtMs: t0 } }]);
    expect(ofKind(after.tick(t0 + 121_000), 'fall')).toEqual([]);
  });

  it('keeps a cancel window running across a short restart', () => {
    const t0 = shanghai('2025-03-10T08:00:00');
    const resident = makeResident();
    const before = createSafetyEngine();
    before.onEvent(deviceEvent(t0, { type: 'fall', confidence: 0.9 }), resident);
    const after = createSafetyEngine();
    after.restore(persisted(before));
    expect(labels(after.onEvent(deviceEvent(t0 + 20_000, { type: 'cancel' }), resident))).toEqual(['falseAlarm:fall']);
  });

  it('does not blame devices for the gateway being down, but keeps the silence from before', () => {
    const t0 = shanghai('2025-03-10T08:00:00');
    const resident = makeResident();
    const before = createSafetyEngine();
    before.onReading(reading(t0, STILL), resident);
    before.tick(t0 + 10 * MINUTE_MS);
    const state = persisted(before);

    const after = createSafetyEngine();
    after.restore(state);
    const back = t0 + 3 * HOUR_MS;
    expect(ofKind(after.tick(back), 'device_offline')).toEqual([]);
    expect(ofKind(after.tick(back + 20 * MINUTE_MS - 1), 'device_offline')).toEqual([]);
    expect(labels(ofKind(after.tick(back + 20 * MINUTE_MS), 'device_offline'))).toEqual(['raise:device_offline']);
  });

  it.each<[string, unknown, string]>([
    ['not an object', 'nope', 'not an object'],
    ['another version', { version: 2, clockMs: 0, subjects: {} }, 'version 2'],
    ['no subjects', { version: 1, clockMs: 0 }, 'subjects'],
    ['a bad clock', { version: 1, clockMs: 'soon', subjects: {} }, 'clockMs'],
  ])('refuses a state that is %s', (_name, state, reason) => {
    const engine = createSafetyEngine();
    const result = engine.restore(state);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });

  it('skips malformed subjects and fills in rule state a snapshot lacks', () => {
    const engine = createSafetyEngine();
    const t0 = shanghai('2025-03-10T08:00:00');
    const rules = { deviceOffline: { raised: true }, noMotion: { still: 'lost' } };
    const good = { resident: { id: 'r1', grid: 'g1' }, deviceId: 'b-1', lastMessageAtMs: t0, silenceSinceMs: t0, worn: true, rules };
    const state = { version: 1, clockMs: t0, subjects: { r1: good, r2: { resident: { id: 'r2' } }, r3: { ...good } } };
    expect(engine.restore(state)).toEqual({ ok: true, subjects: 1, skipped: ['r2', 'r3'], reset: ['r1.noMotion'] });
    const restored = engine.snapshot() as SafetyEngineState;
    expect(restored.subjects.r1?.rules.batteryLow).toEqual({ raised: false });
    expect(restored.subjects.r1?.rules.noMotion.still).toEqual({ totalMs: 0, countedUntilMs: t0 });
    // The stored offline alarm resumes (a reading clears it); the missing battery rule works from scratch.
    expect(labels(engine.onReading(reading(t0 + MINUTE_MS, { bat: 5 }, 'b-1'), makeResident()))).toEqual([
      'clear:device_offline',
      'raise:battery_low',
    ]);
  });

  it('returns a copy: changing a snapshot does not change the engine', () => {
    const engine = createSafetyEngine();
    engine.track(makeResident(), 0);
    const snapshot = engine.snapshot();
    if (snapshot.subjects.r1 !== undefined) snapshot.subjects.r1.silenceSinceMs = -1;
    expect(engine.snapshot().subjects.r1?.silenceSinceMs).toBe(0);
  });
});

describe('createSafetyEngine: time and residents', () => {
  it('never runs time backwards: a late-stamped message is evaluated at the latest time seen', () => {
    const engine = createSafetyEngine();
    engine.tick(100_000);
    const [pending] = engine.onEvent(deviceEvent(50_000, { type: 'fall', confidence: 0.9 }), makeResident());
    expect(pending).toMatchObject({ type: 'pending', occurredAtMs: 100_000, untilMs: 130_000 });
  });

  it('ignores readings from AED cabinets and air stations', () => {
    const engine = createSafetyEngine();
    const aed = { kind: 'aed' as const, deviceId: 'a1', tsMs: 0, receivedAtMs: 0, values: { bat: 1 } };
    const air = { kind: 'air' as const, deviceId: 's1', tsMs: 0, receivedAtMs: 0, values: { pm25: 500 } };
    expect([...engine.onReading(aed, makeResident()), ...engine.onReading(air, makeResident())]).toEqual([]);
    expect(engine.snapshot().subjects).toEqual({});
  });

  it('untrack forgets a resident: no more outcomes for them', () => {
    const engine = createSafetyEngine();
    engine.track(makeResident(), 0);
    engine.track(makeResident({ id: 'r2' }), 0);
    engine.untrack('r1');
    expect(engine.tick(HOUR_MS).map((o) => o.subject)).toEqual(['r2']);
  });

  it('uses the latest resident record it was given, also for timers', () => {
    const engine = createSafetyEngine({ config: { grids: { g2: { deviceOffline: { afterS: 60 } } } } });
    engine.track(makeResident(), 0);
    engine.track(makeResident({ grid: 'g2' }), 0);
    expect(engine.tick(60_000)).toMatchObject([{ type: 'raise', kind: 'device_offline', grid: 'g2' }]);
    expect(engine.rulesFor(makeResident({ grid: 'g2' })).deviceOffline.afterS).toBe(60);
  });

  it('follows grid overrides replaced in its config, for a resident it already knows', () => {
    const config: SafetyRulesConfig = { grids: { g2: { deviceOffline: { afterS: 60 } } } };
    const engine = createSafetyEngine({ config });
    const resident = makeResident({ grid: 'g2' });
    expect(engine.rulesFor(resident).deviceOffline.afterS).toBe(60);
    config.grids = { g2: { deviceOffline: { afterS: 120 } } };
    expect(engine.rulesFor(resident).deviceOffline.afterS).toBe(120);
    engine.track(resident, 0);
    expect(engine.tick(60_000)).toEqual([]);
    expect(engine.tick(120_000)).toMatchObject([{ type: 'raise', kind: 'device_offline', grid: 'g2' }]);
  });

  it('reports several residents independently', () => {
    const engine = createSafetyEngine();
    const a = makeResident({ id: 'a' });
    const b = makeResident({ id: 'b' });
    engine.onEvent(deviceEvent(0, { type: 'sos' }, 'b-a'), a);
    engine.onEvent(deviceEvent(0, { type: 'fall', confidence: 0.9 }, 'b-b'), b);
    const outcomes = engine.tick(30_000);
    expect(outcomes.map((o) => `${o.type}:${o.kind}:${o.subject}`)).toEqual(['raise:fall:b']);
  });
});
