import { describe, expect, it } from 'vitest';
import type { AqhiStore, StationHourMeans } from '../../gateway/aqhi/sqlite-aqhi-store.js';
import type { IndexUpdate } from '../../rules/aqhi/index.js';
import type { AdapterFactory } from './adapter.js';

const HOUR_MS = 3_600_000;
const H0 = Date.parse('2026-12-01T00:00:00Z');

/** One station-hour as the engine reports it (HK AQHI, band 1..11). */
function hour(stationId: string, i: number, band: number | null, changes: Partial<IndexUpdate> = {}): IndexUpdate {
  const hourStartMs = H0 + i * HOUR_MS;
  return {
    profile: { name: 'hk-aqhi', version: '2013', status: 'verified' },
    value: band,
    display: band === null ? null : band === 11 ? '10+' : String(band),
    band,
    categoryId: band === null ? null : band >= 7 ? 'high' : 'low',
    ...(band === null ? {} : { addedRiskPct: band * 1.2 }),
    contributions: [],
    pollutantsUsed: ['no2', 'o3', 'pm25'],
    primaryPollutants: band === null ? [] : ['no2'],
    missing: [],
    complete: band !== null,
    high: band !== null && band >= 7,
    stationId,
    hourStartMs,
    hourEndMs: hourStartMs + HOUR_MS,
    windowStartMs: hourStartMs - 2 * HOUR_MS,
    provisional: false,
    category: null,
    advice: null,
    color: null,
    ...changes,
  };
}

function means(stationId: string, i: number, pm25: number): StationHourMeans {
  return { stationId, hourStartMs: H0 + i * HOUR_MS, means: { pm25, no2: pm25 / 2 } };
}

export function aqhiStoreContract(factory: AdapterFactory<AqhiStore>): void {
  describe(`AqhiStore contract: ${factory.name}`, () => {
    const adapter = factory.setup();

    it('gives back station-hours in a range oldest first, both ends included, and the latest', async () => {
      const store = await adapter.open();
      await store.saveHours([hour('st-community', 2, 4), hour('st-community', 0, 3), hour('st-community', 1, 7), hour('st-school', 5, 2)], H0);
      expect((await store.hours('st-community', H0, H0 + 2 * HOUR_MS)).map((u) => u.band)).toEqual([3, 7, 4]);
      expect((await store.hours('st-community', H0 + HOUR_MS, H0 + HOUR_MS)).map((u) => u.band)).toEqual([7]);
      expect(await store.hours('st-community', H0 + 3 * HOUR_MS, H0 + 9 * HOUR_MS)).toEqual([]);
      expect(await store.latest('st-community')).toEqual(hour('st-community', 2, 4));
      expect(await store.latest('st-none')).toBeUndefined();
    });

    it("gives every station's latest stored hour, by station", async () => {
      const store = await adapter.open();
      expect(await store.latestOfEach()).toEqual([]);
      await store.saveHours([hour('st-school', 1, 2), hour('st-community', 3, 6), hour('st-community', 1, 4), hour('st-school', 0, 9)], H0);
      expect(await store.latestOfEach()).toEqual([hour('st-community', 3, 6), hour('st-school', 1, 2)]);
    });

    it('replaces an hour with its later result', async () => {
      const store = await adapter.open();
      await store.saveHours([hour('st-community', 0, 3, { provisional: true })], H0 + 10);
      await store.saveHours([hour('st-community', 0, 8)], H0 + HOUR_MS);
      expect(await store.hours('st-community', H0, H0)).toEqual([hour('st-community', 0, 8)]);
    });

    it('reads what a daily report needs: value and primary pollutants by hour', async () => {
      const store = await adapter.open();
      await store.saveHours([hour('st-community', 0, 3), hour('st-community', 1, null)], H0);
      expect(await store.hourValues('st-community', H0, H0 + HOUR_MS)).toEqual([
        { hourStartMs: H0, value: 3, primaryPollutants: ['no2'] },
        { hourStartMs: H0 + HOUR_MS, value: null, primaryPollutants: [] },
      ]);
    });

    it('keeps counted means per station-hour, the later save replacing the earlier', async () => {
      const store = await adapter.open();
      await store.saveMeans([means('st-community', 1, 40), means('st-community', 0, 30), means('st-school', 0, 10)]);
      await store.saveMeans([means('st-community', 1, 44)]);
      expect(await store.means('st-community', H0, H0 + HOUR_MS)).toEqual([means('st-community', 0, 30), means('st-community', 1, 44)]);
    });

    it('drops hours and means before a time, counting the hours', async () => {
      const store = await adapter.open();
      await store.saveHours([0, 1, 2, 3].map((i) => hour('st-community', i, 3)), H0);
      await store.saveMeans([0, 1, 2, 3].map((i) => means('st-community', i, 20)));
      expect(await store.pruneBefore(H0 + 2 * HOUR_MS)).toBe(2);
      expect((await store.hours('st-community', 0, H0 + 9 * HOUR_MS)).map((u) => u.hourStartMs)).toEqual([H0 + 2 * HOUR_MS, H0 + 3 * HOUR_MS]);
      expect((await store.means('st-community', 0, H0 + 9 * HOUR_MS)).map((m) => m.hourStartMs)).toEqual([H0 + 2 * HOUR_MS, H0 + 3 * HOUR_MS]);
    });

    it('keeps history, means and the service state across a restart', async () => {
      const first = await adapter.open();
      expect(await first.loadState()).toBeUndefined();
      await first.saveHours([hour('st-community', 0, 5)], H0);
      await first.saveMeans([means('st-community', 0, 25)]);
      await first.saveState({ version: 1, stations: { 'st-community': { lastHourMs: H0 } } }, H0);
      await first.saveState({ version: 1, stations: { 'st-community': { lastHourMs: H0 + HOUR_MS } } }, H0 + 1);
      const again = await adapter.reopen();
      expect(await again.latest('st-community')).toEqual(hour('st-community', 0, 5));
      expect(await again.means('st-community', H0, H0)).toEqual([means('st-community', 0, 25)]);
      expect(await again.loadState()).toEqual({ version: 1, stations: { 'st-community': { lastHourMs: H0 + HOUR_MS } } });
    });
  });
}
