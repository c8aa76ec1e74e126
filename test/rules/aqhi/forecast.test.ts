import { describe, expect, it } from 'vitest';
import { fitModel, HK_2013, HOUR_MS, modelBeatsPersistence, modelForecast, scoreSkill, type ScoredPair } from '../../../rules/aqhi/index.js';

const T0 = Date.UTC(2026, 5, 1, 0);

describe('skill', () => {
  it('is the mean absolute error and band hit rate, checked by hand on a small series', () => {
    // Actual 4, 5, 6; the model said 3, 5, 4; persistence (the hour before) 3, 3, 3.
    const pairs: ScoredPair[] = [
      { leadHours: 1, model: 3, persistence: 3, actual: 4 },
      { leadHours: 1, model: 5, persistence: 3, actual: 5 },
      { leadHours: 1, model: 4, persistence: 3, actual: 6 },
      { leadHours: 6, model: null, persistence: 2, actual: 4 },
    ];
    const skill = scoreSkill(HK_2013, pairs);
    // |3−4| + |5−5| + |4−6| = 3 over 3 → 1; persistence 1 + 2 + 3 = 6 over 3 → 2.
    expect(skill.h1).toEqual({ n: 3, mae: 1, bandHitRate: 0.333, persistenceMae: 2, persistenceBandHitRate: 0, persistenceN: 3 });
    // A lead with no model forecast: only persistence is scored.
    expect(skill.h6).toEqual({ n: 0, mae: null, bandHitRate: null, persistenceMae: 2, persistenceBandHitRate: 0, persistenceN: 1 });
    expect(skill.h24.persistenceMae).toBeNull();
  });

  it('the model must beat persistence at every lead on enough hours', () => {
    const at = (lead: number, model: number, persistence: number): ScoredPair => ({ leadHours: lead, model, persistence, actual: 5 });
    const good = [1, 6, 24].flatMap((lead) => Array.from({ length: 24 }, () => at(lead, 5, 3)));
    expect(modelBeatsPersistence(good)).toBe(true);
    expect(modelBeatsPersistence(good.slice(1))).toBe(false); // 23 pairs at lead 1: not yet shown
    expect(modelBeatsPersistence(good.map((p) => ({ ...p, model: 2 })))).toBe(false);
  });
});

describe('the model', () => {
  /** A day that peaks at 18:00 and is clean at night, every day the same, with a bad day at the end. */
  const typical = (hourOfDay: number): number => 3 + 2 * Math.max(0, Math.sin(((hourOfDay - 12) / 12) * Math.PI));
  function series(days: number): Map<number, number> {
    const m = new Map<number, number>();
    for (let i = 0; i < days * 24; i++) m.set(T0 + i * HOUR_MS, typical(i % 24));
    return m;
  }

  it('with two days of history there is none', () => {
    const s = series(2);
    expect(fitModel(s, T0 + 47 * HOUR_MS)).toEqual({ kind: 'too-little-history', samples: 48, needed: 120 });
  });

  it('learns the day’s shape and returns to it from a departure', () => {
    const s = series(14);
    const t = T0 + (14 * 24 - 1) * HOUR_MS; // 23:00 on the last day
    s.set(t, typical(23) + 4); // tonight is 4 above the usual
    const fit = fitModel(s, t);
    if (fit.kind !== 'model') throw new Error('expected a model');
    expect(fit.profile[18]).toBeCloseTo(typical(18), 9);
    // One hour ahead most of the departure is still there; a day ahead little of it is.
    const f1 = modelForecast(fit, typical(23) + 4, t, 1);
    const f24 = modelForecast(fit, typical(23) + 4, t, 24);
    expect(f1 - fit.profile[0]!).toBeCloseTo(fit.phi * (4 + typical(23) - fit.profile[23]!), 9);
    expect(Math.abs(f24 - fit.profile[23]!)).toBeLessThan(Math.abs(f1 - fit.profile[0]!));
  });
});
