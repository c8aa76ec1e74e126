import { describe, expect, it } from 'vitest';
import type { BraceletValues } from '../../../../sensors/index.js';
import type { SafetyResident } from '../../../../rules/safety/index.js';
import { SAFE_ZONE, createHarness, makeResident, north, ofKind } from '../fixtures.js';

const T0 = Date.parse('2025-03-10T02:00:00Z');
const DEMENTIA = makeResident({ conditions: ['hypertension', 'dementia'], safeZone: SAFE_ZONE });

/** One fix a minute; returns "type" or "-" per fix for the wandering rule. */
function walk(fixes: BraceletValues[], resident: SafetyResident = DEMENTIA): string[] {
  const h = createHarness({ startMs: T0, resident });
  return fixes.map((values) => {
    h.clock.advanceS(60);
    const outcomes = ofKind(h.read(values), 'wandering');
    return outcomes.map((o) => o.type).join(',') || '-';
  });
}

const at = (metres: number, extra: BraceletValues = {}): BraceletValues => ({ ...north(SAFE_ZONE, metres), acc: 10, ...extra });

describe('wandering', () => {
  it.each<[string, BraceletValues[], string[]]>([
    ['inside the zone', [at(100), at(700), at(799)], ['-', '-', '-']],
    ['leaving raises on the first fix past the edge', [at(700), at(801), at(900)], ['-', 'raise', '-']],
    ['near the edge on the way back does not clear', [at(900), at(790), at(760)], ['raise', '-', '-']],
    ['well inside clears', [at(900), at(790), at(745)], ['raise', '-', 'clear']],
    ['leaves again after returning', [at(900), at(100), at(1000)], ['raise', 'clear', 'raise']],
    ['an inaccurate fix is ignored', [at(1500, { acc: 250 }), at(1500, { acc: 200 })], ['-', 'raise']],
    [
      'fixes off the wrist are ignored until it is worn again',
      [at(1500, { worn: false }), at(1500), at(1500, { worn: true })],
      ['-', '-', 'raise'],
    ],
    ['readings without a location change nothing', [at(900), { hr: 80 }, { motion: 0.3 }], ['raise', '-', '-']],
  ])('%s', (_name, fixes, expected) => {
    expect(walk(fixes)).toEqual(expected);
  });

  it.each<[string, SafetyResident]>([
    ['without the dementia condition', makeResident({ conditions: ['copd'], safeZone: SAFE_ZONE })],
    ['without a safe zone', makeResident({ conditions: ['dementia'] })],
  ])('does not apply %s', (_name, resident) => {
    expect(walk([at(2000), at(3000)], resident)).toEqual(['-', '-']);
  });

  it('raises high with the distance and the fix', () => {
    const h = createHarness({ startMs: T0, resident: DEMENTIA });
    const [outcome] = ofKind(h.read(at(1000)), 'wandering');
    expect(outcome).toMatchObject({
      type: 'raise',
      severity: 'high',
      subject: 'r1',
      details: { distanceM: 1000, radiusM: 800, acc: 10 },
    });
  });

  it('clears when the resident no longer has the rule', () => {
    const h = createHarness({ startMs: T0, resident: DEMENTIA });
    h.read(at(1000));
    h.clock.advanceS(60);
    const withoutRule = { ...DEMENTIA, conditions: [] };
    const outcomes = ofKind(h.engine.onReading({ kind: 'bracelet', deviceId: 'b-0001', tsMs: h.clock.now(), receivedAtMs: h.clock.now(), values: at(1000) }, withoutRule), 'wandering');
    expect(outcomes.map((o) => o.type)).toEqual(['clear']);
  });
});
