import { describe, expect, it } from 'vitest';
import type { SafetyRulesConfig } from '../../../rules/safety/index.js';
import { DEFAULT_SAFETY_RULES, resolveSafetyRules, validateSafetyRules } from '../../../rules/safety/index.js';
import { makeResident } from './fixtures.js';

describe('resolveSafetyRules', () => {
  const config: SafetyRulesConfig = {
    rules: { vitals: { hrMax: 125, forS: 90 }, noMotion: { afterS: 10_800 } },
    grids: { g1: { vitals: { hrMax: 122 }, deviceOffline: { afterS: 900 } }, g2: { vitals: { hrMax: 100 } } },
  };

  it.each([
    ['defaults only', {}, makeResident(), { hrMax: 130, forS: 120, noMotionAfterS: 14_400, offlineAfterS: 1800 }],
    ['deployment rules', { rules: config.rules ?? {} }, makeResident(), { hrMax: 125, forS: 90, noMotionAfterS: 10_800, offlineAfterS: 1800 }],
    ['grid over deployment', config, makeResident(), { hrMax: 122, forS: 90, noMotionAfterS: 10_800, offlineAfterS: 900 }],
    ['another grid', config, makeResident({ grid: 'g2' }), { hrMax: 100, forS: 90, noMotionAfterS: 10_800, offlineAfterS: 1800 }],
    ['unknown grid', config, makeResident({ grid: 'gx' }), { hrMax: 125, forS: 90, noMotionAfterS: 10_800, offlineAfterS: 1800 }],
    ['resident flat keys (provision form)', config, makeResident({ thresholds: { hrMax: 120 } }), { hrMax: 120, forS: 90, noMotionAfterS: 10_800, offlineAfterS: 900 }],
    ['resident nested', config, makeResident({ thresholds: { noMotion: { afterS: 7200 }, vitals: { forS: 60 } } }), { hrMax: 122, forS: 60, noMotionAfterS: 7200, offlineAfterS: 900 }],
    ['flat beats nested', config, makeResident({ thresholds: { hrMax: 110, vitals: { hrMax: 115 } } }), { hrMax: 110, forS: 90, noMotionAfterS: 10_800, offlineAfterS: 900 }],
  ])('%s', (_name, cfg: SafetyRulesConfig, resident, expected) => {
    const rules = resolveSafetyRules(cfg, resident);
    expect({
      hrMax: rules.vitals.hrMax,
      forS: rules.vitals.forS,
      noMotionAfterS: rules.noMotion.afterS,
      offlineAfterS: rules.deviceOffline.afterS,
    }).toEqual(expected);
  });

  it('ignores values of the wrong type and unknown keys instead of producing NaN', () => {
    const loose = { vitals: { hrMax: '150', hrMin: null, bogus: 1, spo2Min: Number.NaN } } as unknown as SafetyRulesConfig['rules'];
    const rules = resolveSafetyRules(loose === undefined ? {} : { rules: loose }, makeResident());
    expect(rules.vitals).toEqual(DEFAULT_SAFETY_RULES.vitals);
  });

  it('leaves the defaults object untouched', () => {
    const before = structuredClone(DEFAULT_SAFETY_RULES);
    resolveSafetyRules(config, makeResident({ thresholds: { hrMax: 99 } }));
    expect(DEFAULT_SAFETY_RULES).toEqual(before);
  });
});

describe('validateSafetyRules', () => {
  it('finds nothing wrong with the defaults', () => {
    expect(validateSafetyRules(DEFAULT_SAFETY_RULES)).toEqual([]);
  });

  it.each([
    ['negative window', { fall: { cancelWindowS: -1 } }, 'fall.cancelWindowS'],
    ['confidence above 1', { fall: { minConfidence: 1.5 } }, 'fall.minConfidence'],
    ['hr range inverted', { vitals: { hrMin: 140, hrMax: 130 } }, 'vitals.hrMin'],
    ['hr clear band empty', { vitals: { hrMin: 100, hrMax: 105 } }, 'vitals.hrClearMarginBpm'],
    ['bpRepeats fractional', { vitals: { bpRepeats: 1.5 } }, 'vitals.bpRepeats'],
    ['waking hours malformed', { noMotion: { wakingHours: '7-22' } }, 'noMotion.wakingHours'],
    ['battery hysteresis inverted', { batteryLow: { belowPct: 20, clearAtPct: 15 } }, 'batteryLow.clearAtPct'],
  ])('%s', (_name, over, field) => {
    const rules = resolveSafetyRules({ rules: over }, makeResident());
    const problems = validateSafetyRules(rules);
    expect(problems.some((p) => p.includes(field))).toBe(true);
  });

  it('refuses a severity that is not one', () => {
    const rules = { ...DEFAULT_SAFETY_RULES, notWorn: { ...DEFAULT_SAFETY_RULES.notWorn, severity: 'urgent' } };
    expect(validateSafetyRules(rules as unknown as typeof DEFAULT_SAFETY_RULES)).toEqual([
      'notWorn.severity must be low, medium, high or critical',
    ]);
  });
});
