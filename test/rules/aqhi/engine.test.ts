import { describe, expect, it } from 'vitest';
import {
  CANADA_2008,
  CHINA_HJ633_2026,
  createAqhiEngine,
  evaluateConcentrations,
  HK_2013,
  HOUR_MS,
  US_EPA_2024,
} from '../../../rules/aqhi/index.js';
import type { AirValues } from '../../../sensors/index.js';
import type { AqhiEngineSnapshot, Clock } from '../../../rules/aqhi/index.js';

const T0 = Date.UTC(2026, 2, 1, 0, 0, 0); // an hour boundary
const at = (hour: number, minute = 0): number => T0 + hour * HOUR_MS + minute * 60_000;

const BASE: AirValues = { no2: 40, so2: 8, o3: 60, pm10: 50, pm25: 35 };

function fakeClock(startMs: number): Clock & { set(ms: number): void } {
  let now = startMs;
  return { nowMs: () => now, set: (ms) => (now = ms) };
}

describe('AQHI engine: hourly means and windows', () => {
  it('averages the samples of an hour and records the count', () => {
    const e = createAqhiEngine({ profile: HK_2013 });
    e.ingest('s1', at(0, 5), { no2: 30 });
    e.ingest('s1', at(0, 25), { no2: 40 });
    e.ingest('s1', at(0, 55), { no2: 80, pm25: 10 });
    const [h] = e.hourly('s1', 1);
    expect(h?.hourStartMs).toBe(at(0));
    expect(h?.pollutants.no2).toEqual({ mean: 50, samples: 3 });
    expect(h?.pollutants.pm25).toEqual({ mean: 10, samples: 1 });
    expect(h?.pollutants.so2).toBeUndefined();
  });

  it('needs 2 valid hours for a 3-hour mean; the first hour is null and says why', () => {
    const e = createAqhiEngine({ profile: HK_2013 });
    const first = e.ingest('s1', at(0, 10), BASE);
    expect(first.updates).toHaveLength(1);
    const u = first.updates[0]!;
    expect(u.value).toBeNull();
    expect(u.missing).toHaveLength(5);
    expect(u.missing.every((m) => m.reason === 'too-few-hours' && m.validHours === 1 && m.requiredHours === 2)).toBe(true);
    expect(u.category).toBeNull();
    expect(u.advice).toBeNull();
  });

  it('computes the index from the trailing 3-hour means of hourly means', () => {
    const e = createAqhiEngine({ profile: HK_2013 });
    e.ingest('s1', at(0, 10), BASE);
    e.ingest('s1', at(1, 10), { ...BASE, no2: 100 });
    e.ingest('s1', at(2, 10), { ...BASE, no2: 130 });
    e.ingest('s1', at(2, 40), { ...BASE, no2: 170 }); // hour 2 mean 150
    const cur = e.current('s1')!;
    const expected = evaluateConcentrations(HK_2013, { ...BASE, no2: (40 + 100 + 150) / 3 });
    expect(cur.hourStartMs).toBe(at(2));
    expect(cur.hourEndMs).toBe(at(3));
    expect(cur.windowStartMs).toBe(at(0));
    expect(cur.addedRiskPct).toBeCloseTo(expected.addedRiskPct!, 10);
    expect(cur.value).toBe(expected.value);
    expect(cur.contributions.find((c) => c.pollutant === 'no2')).toMatchObject({ inputMean: 290 / 3, validHours: 3, windowHours: 3 });
    expect(cur.category?.id).toBe(expected.categoryId);
    expect(cur.advice?.generalPublic.zh.length).toBeGreaterThan(0);
    expect(cur.profile).toEqual({ name: 'hk', version: '2013', status: 'verified' });
  });

  it('keeps an index with one of three hours missing, and drops it with two', () => {
    const e = createAqhiEngine({ profile: HK_2013 });
    e.ingest('s1', at(0), BASE);
    e.ingest('s1', at(2), BASE); // window 0..2 holds hours 0 and 2
    expect(e.current('s1')?.value).not.toBeNull();
    e.ingest('s1', at(5), BASE); // window 3..5 holds hour 5 only
    const cur = e.current('s1')!;
    expect(cur.value).toBeNull();
    expect(cur.missing[0]).toMatchObject({ reason: 'too-few-hours', validHours: 1 });
  });

  it('never takes a missing pollutant as zero, and names it', () => {
    const e = createAqhiEngine({ profile: HK_2013 });
    const { so2: _so2, ...noSo2 } = BASE;
    e.ingest('s1', at(0), noSo2);
    e.ingest('s1', at(1), noSo2);
    const cur = e.current('s1')!;
    expect(cur.value).toBeNull();
    expect(cur.missing).toEqual([{ pollutant: 'so2', term: 'so2_3h', reason: 'no-data', validHours: 0, requiredHours: 2, windowHours: 3 }]);
  });

  it('refuses negative, non-numeric and out-of-range values with a reason, leaving the mean alone', () => {
    const e = createAqhiEngine({ profile: HK_2013, validRange: { pm25: { min: 0, max: 5000 } } });
    const r = e.ingest('s1', at(0), { no2: -3, so2: Number.NaN, pm25: 9000, o3: 50 });
    expect(r.rejected).toEqual([
      { pollutant: 'pm25', reason: 'out-of-range', value: 9000 },
      { pollutant: 'no2', reason: 'negative', value: -3 },
      { pollutant: 'so2', reason: 'not-a-number' },
    ]);
    const [h] = e.hourly('s1', 1);
    expect(h?.rejected).toEqual({ 'out-of-range': 1, negative: 1, 'not-a-number': 1 });
    expect(Object.keys(h?.pollutants ?? {})).toEqual(['o3']);
  });

  it('excludes hours with too few samples when a minimum is set', () => {
    const e = createAqhiEngine({ profile: HK_2013, minSamplesPerHour: 3 });
    e.ingest('s1', at(0, 0), BASE);
    e.ingest('s1', at(0, 20), BASE);
    expect(e.hourly('s1', 1)[0]?.pollutants.no2).toEqual({ mean: null, samples: 2, excluded: 'too-few-samples' });
  });

  it('emits only when the index changes', () => {
    const e = createAqhiEngine({ profile: HK_2013 });
    e.ingest('s1', at(0), BASE);
    e.ingest('s1', at(1, 0), BASE);
    // The same values again leave every mean, and so the index, unchanged.
    expect(e.ingest('s1', at(1, 30), BASE).updates).toEqual([]);
    expect(e.ingest('s1', at(1, 40), { ...BASE, no2: 400 }).updates).toHaveLength(1);
  });

  it('keeps stations apart', () => {
    const e = createAqhiEngine({ profile: HK_2013 });
    e.ingest('a', at(0), BASE);
    e.ingest('a', at(1), BASE);
    e.ingest('b', at(1), { ...BASE, no2: 500 });
    expect(e.stations().sort()).toEqual(['a', 'b']);
    expect(e.current('a')?.value).not.toBeNull();
    expect(e.current('b')?.value).toBeNull();
    expect(e.current('nope')).toBeUndefined();
  });
});

describe('AQHI engine: new hours and late data', () => {
  it('a new hour finalises the previous one', () => {
    const e = createAqhiEngine({ profile: HK_2013 });
    e.ingest('s1', at(0), BASE);
    const r1 = e.ingest('s1', at(1, 10), BASE);
    expect(r1.updates.map((u) => [u.hourStartMs, u.provisional])).toEqual([
      [at(0), false],
      [at(1), true],
    ]);
    const r2 = e.ingest('s1', at(2, 10), BASE);
    expect(r2.updates.map((u) => [u.hourStartMs, u.provisional])).toEqual([
      [at(1), false],
      [at(2), true],
    ]);
  });

  it('a late reading updates its hour and the hours whose windows include it, and no others', () => {
    const e = createAqhiEngine({ profile: HK_2013 });
    for (let h = 0; h < 6; h++) e.ingest('s1', at(h, 10), BASE);
    const before = e.history('s1', 6);
    const late = e.ingest('s1', at(2, 50), { ...BASE, no2: 2000 });
    expect(late.updates.map((u) => u.hourStartMs)).toEqual([at(2), at(3), at(4)]);
    const after = e.history('s1', 6);
    expect(after[0]).toEqual(before[0]); // hour 0
    expect(after[1]).toEqual(before[1]); // hour 1: its window ends before hour 2
    expect(after[5]).toEqual(before[5]); // hour 5: window 3..5
    for (const i of [2, 3, 4]) expect(after[i]!.addedRiskPct!).toBeGreaterThan(before[i]!.addedRiskPct!);
    expect(e.hourly('s1', 6)[2]?.pollutants.no2).toEqual({ mean: 1020, samples: 2 });
  });

  it('late data can turn a null hour into a value', () => {
    const e = createAqhiEngine({ profile: HK_2013 });
    e.ingest('s1', at(0), BASE);
    e.ingest('s1', at(3), BASE);
    expect(e.history('s1', 4).find((u) => u.hourStartMs === at(3))?.value).toBeNull();
    const r = e.ingest('s1', at(2, 30), BASE);
    expect(r.updates.find((u) => u.hourStartMs === at(3))?.value).not.toBeNull();
  });

  it('refuses data older than the kept hours', () => {
    const e = createAqhiEngine({ profile: HK_2013, retentionHours: 6 });
    e.ingest('s1', at(20), BASE);
    // Kept: 6 result hours + 2 more for the 3-hour windows → hours 13..20.
    expect(e.ingest('s1', at(13), BASE).rejected).toEqual([]);
    expect(e.ingest('s1', at(12, 59), { no2: 1 }).rejected).toEqual([{ pollutant: 'no2', reason: 'too-late', value: 1 }]);
  });

  it('with a clock, refuses readings from the future and marks finished hours final', () => {
    const clock = fakeClock(at(1, 30));
    const e = createAqhiEngine({ profile: HK_2013, clock });
    expect(e.ingest('s1', at(3), BASE).rejected[0]?.reason).toBe('future');
    e.ingest('s1', at(0, 10), BASE);
    e.ingest('s1', at(1, 10), BASE);
    expect(e.current('s1')?.provisional).toBe(true);
    clock.set(at(2, 1));
    const ticked = e.tick();
    expect(ticked.map((u) => [u.hourStartMs, u.provisional, u.value === null])).toEqual([
      [at(1), false, false],
      [at(2), true, false], // hours 0 and 1 still fill the window
    ]);
  });

  it('tick moves a silent station on, so its index goes null instead of going stale', () => {
    const e = createAqhiEngine({ profile: HK_2013 });
    e.ingest('s1', at(0), BASE);
    e.ingest('s1', at(1), BASE);
    const u = e.tick(at(4, 5));
    expect(u.map((x) => x.hourStartMs)).toEqual([at(1), at(2), at(3), at(4)]);
    expect(e.current('s1')?.hourStartMs).toBe(at(4));
    expect(e.current('s1')?.value).toBeNull();
    expect(() => createAqhiEngine({ profile: HK_2013 }).tick()).toThrow(/needs a time/);
  });
});

describe('AQHI engine: state', () => {
  function fed(): ReturnType<typeof createAqhiEngine> {
    const e = createAqhiEngine({ profile: HK_2013 });
    for (let h = 0; h < 30; h++) {
      e.ingest('s1', at(h, 5), { ...BASE, no2: 20 + h * 7 });
      e.ingest('s2', at(h, 35), { ...BASE, o3: 40 + h * 5 });
    }
    return e;
  }

  it('round-trips a snapshot through JSON', () => {
    const a = fed();
    const json = JSON.stringify(a.snapshot());
    const b = createAqhiEngine({ profile: HK_2013 });
    expect(b.restore(JSON.parse(json))).toEqual({ ok: true });
    expect(b.history('s1', 48)).toEqual(a.history('s1', 48));
    expect(b.history('s2', 48)).toEqual(a.history('s2', 48));
    expect(b.hourly('s1', 48)).toEqual(a.hourly('s1', 48));
    // Both carry on identically, late data included.
    const next = { ...BASE, pm25: 300 };
    expect(b.ingest('s1', at(30, 10), next)).toEqual(a.ingest('s1', at(30, 10), next));
    expect(b.ingest('s1', at(28, 10), next)).toEqual(a.ingest('s1', at(28, 10), next));
    expect(b.snapshot()).toEqual(a.snapshot());
  });

  it('recomputes the results when restored under another profile', () => {
    const a = fed();
    const b = createAqhiEngine({ profile: CANADA_2008 });
    expect(b.restore(a.snapshot())).toEqual({ ok: true });
    const cur = b.current('s1')!;
    expect(cur.profile.name).toBe('canada');
    const h = b.hourly('s1', 3).map((x) => x.pollutants);
    const mean = (p: 'no2' | 'o3' | 'pm25') => h.reduce((s, x) => s + (x[p]?.mean ?? 0), 0) / 3;
    expect(cur.value).toBe(evaluateConcentrations(CANADA_2008, { no2: mean('no2'), o3: mean('o3'), pm25: mean('pm25') }).value);
  });

  it.each([
    ['not an object', 42],
    ['a wrong format', { format: 'other', profile: { name: 'hk', version: '2013' }, stations: {} }],
    ['a malformed station', { format: 'aqhi-engine/1', profile: { name: 'hk', version: '2013' }, stations: { s: { latestHourMs: 'x' } } }],
    [
      'a malformed cell',
      {
        format: 'aqhi-engine/1',
        profile: { name: 'hk', version: '2013' },
        stations: { s: { latestHourMs: 0, seenUntilMs: 0, results: {}, hours: { '0': { cells: { no2: { n: 1 } }, rejected: {} } } } },
      },
    ],
  ])('refuses a snapshot that is %s, keeping its state', (_what, snap) => {
    const e = fed();
    const before = e.snapshot();
    const r = e.restore(snap);
    expect(r.ok).toBe(false);
    expect(e.snapshot()).toEqual(before);
  });

  it('stays bounded: 48 hours of results, and the hourly sums the windows need', () => {
    const e = createAqhiEngine({ profile: US_EPA_2024 });
    for (let h = 0; h < 200; h++) e.ingest('s1', at(h), { pm25: 10, o3: 60, no2: 30 });
    const snap: AqhiEngineSnapshot = e.snapshot();
    const st = snap.stations.s1!;
    expect(Object.keys(st.results)).toHaveLength(48);
    expect(Object.keys(st.hours)).toHaveLength(48 + 24 - 1);
    expect(e.history('s1', 1000)).toHaveLength(48);
    expect(e.history('s1', 1000)[0]?.hourStartMs).toBe(at(152));
  });

  it('flags a stuck sensor when asked to, and leaves it out of the averages', () => {
    const e = createAqhiEngine({ profile: HK_2013, stuckAfterHours: 4 });
    for (let h = 0; h < 5; h++) {
      e.ingest('s1', at(h, 0), { ...BASE, no2: 40 + h, so2: 7 });
      e.ingest('s1', at(h, 30), { ...BASE, no2: 42 + h, so2: 7 });
    }
    const hours = e.hourly('s1', 5);
    expect(hours.every((h) => h.pollutants.so2?.excluded === 'stuck')).toBe(true);
    expect(hours.every((h) => h.pollutants.no2?.excluded === undefined)).toBe(true);
    expect(e.current('s1')?.missing).toContainEqual(expect.objectContaining({ pollutant: 'so2', reason: 'no-data' }));
    // A changed value ends the run: the new hour counts again.
    e.ingest('s1', at(5), { ...BASE, so2: 9 });
    expect(e.hourly('s1', 1)[0]?.pollutants.so2).toEqual({ mean: 9, samples: 1 });
  });
});

describe('AQHI engine with the other profiles', () => {
  it('US: PM2.5 joins once 18 of 24 hours are valid', () => {
    const e = createAqhiEngine({ profile: US_EPA_2024 });
    for (let h = 0; h < 17; h++) e.ingest('s1', at(h), { pm25: 12.0 });
    expect(e.current('s1')?.value).toBeNull();
    const u = e.ingest('s1', at(17), { pm25: 12.0 }).updates.at(-1)!;
    expect(u.value).toBe(56);
    expect(u.contributions[0]).toMatchObject({ term: 'pm25_24h', validHours: 18, concentration: 12 });
    expect(u.windowStartMs).toBe(at(17) - 23 * HOUR_MS);
  });

  it('China 2026: the 8-hour O3 term joins after 6 hours', () => {
    const e = createAqhiEngine({ profile: CHINA_HJ633_2026 });
    const v: AirValues = { pm25: 20, pm10: 40, so2: 10, no2: 30, co: 0.6, o3: 170 };
    for (let h = 0; h < 5; h++) e.ingest('s1', at(h), v);
    expect(e.current('s1')?.missing.map((m) => m.term)).toEqual(['o3_8h']);
    e.ingest('s1', at(5), v);
    const cur = e.current('s1')!;
    expect(cur.complete).toBe(true);
    // O3 170: 1-h → 64; 8-h → 110. AQI 110, O3 primary.
    expect(cur.value).toBe(110);
    expect(cur.primaryPollutants).toEqual(['o3']);
    expect(cur.category?.name.zh).toBe('轻度污染');
  });

  it('Canada: a per-band colour, and advice for each group', () => {
    const e = createAqhiEngine({ profile: CANADA_2008 });
    const v: AirValues = { no2: 40, o3: 60, pm25: 20 };
    e.ingest('s1', at(0), v);
    const cur = e.ingest('s1', at(1), v).updates.at(-1)!;
    expect(cur.value).toBeGreaterThanOrEqual(1);
    expect(cur.color).toBe(CANADA_2008.bandColors?.[cur.band! - 1]);
    expect(cur.advice?.outdoorWorkers.en.length).toBeGreaterThan(0);
  });
});
