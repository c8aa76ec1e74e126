import { describe, expect, it } from 'vitest';
import type { ForecastStore, LoggedForecast } from '../../gateway/aqhi/forecast-store.js';
import type { OfficialForecast } from '../../gateway/aqhi/forecast-schema.js';
import type { AqhiStore } from '../../gateway/aqhi/sqlite-aqhi-store.js';
import type { IndexUpdate } from '../../rules/aqhi/index.js';
import type { AdapterFactory } from './adapter.js';

const HOUR_MS = 3_600_000;
const H0 = Date.parse('2026-12-01T00:00:00Z');

/** The forecast store scores against the hourly values the AQHI store keeps, in the same database. */
export interface ForecastStores {
  forecasts: ForecastStore;
  hours: AqhiStore;
}

/** A station-hour's index as the engine reports it, reduced to what scoring reads. */
function hour(stationId: string, i: number, value: number | null, provisional = false): IndexUpdate {
  const hourStartMs = H0 + i * HOUR_MS;
  return {
    profile: { name: 'hk-aqhi', version: '2013', status: 'verified' },
    value,
    display: value === null ? null : String(value),
    band: value,
    categoryId: null,
    contributions: [],
    pollutantsUsed: ['no2', 'o3', 'pm25'],
    primaryPollutants: [],
    missing: [],
    complete: value !== null,
    high: false,
    stationId,
    hourStartMs,
    hourEndMs: hourStartMs + HOUR_MS,
    windowStartMs: hourStartMs - 2 * HOUR_MS,
    provisional,
    category: null,
    advice: null,
    color: null,
  };
}

function logged(stationId: string, issued: number, lead: number, model: number | null, persistence: number): LoggedForecast {
  return { stationId, issuedHourMs: H0 + issued * HOUR_MS, leadHours: lead, targetHourMs: H0 + (issued + lead) * HOUR_MS, model, persistence };
}

function official(validUntilMs: number, band: number): OfficialForecast {
  return {
    hours: [{ atMs: H0 + 10 * HOUR_MS, index: band, band }],
    tomorrow: { band, index: null },
    validUntil: new Date(validUntilMs).toISOString(),
    issuedAt: new Date(H0).toISOString(),
    issuer: { role: 'bureau', subject: 'bureau-xuhui', label: null },
    note: '徐汇区环境监测站 Xuhui monitoring station',
  };
}

export function forecastStoreContract(factory: AdapterFactory<ForecastStores>): void {
  describe(`ForecastStore contract: ${factory.name}`, () => {
    const adapter = factory.setup();

    it('pairs kept forecasts with the final value of their target hour, by target then lead', async () => {
      const { forecasts, hours } = await adapter.open();
      await hours.saveHours([hour('st-community', 2, 5), hour('st-community', 3, 6), hour('st-community', 4, 7, true), hour('st-community', 5, null), hour('st-school', 2, 1)], H0);
      await forecasts.log([logged('st-community', 1, 2, 5.5, 4), logged('st-community', 1, 1, 4.8, 4), logged('st-community', 2, 1, null, 5), logged('st-community', 3, 1, 6, 6), logged('st-community', 4, 1, 6, 7)]);
      expect(await forecasts.pairs('st-community', H0, H0 + 9 * HOUR_MS)).toEqual([
        { leadHours: 1, model: 4.8, persistence: 4, actual: 5 },
        { leadHours: 1, model: null, persistence: 5, actual: 6 },
        { leadHours: 2, model: 5.5, persistence: 4, actual: 6 },
      ]);
      // Both ends of the range count.
      expect((await forecasts.pairs('st-community', H0 + 3 * HOUR_MS, H0 + 3 * HOUR_MS)).map((p) => p.actual)).toEqual([6, 6]);
    });

    it('keeps the first forecast of a (station, issued hour, lead)', async () => {
      const { forecasts, hours } = await adapter.open();
      await hours.saveHours([hour('st-community', 2, 5)], H0);
      await forecasts.log([logged('st-community', 1, 1, 4, 4)]);
      await forecasts.log([logged('st-community', 1, 1, 9, 9)]);
      await forecasts.log([]);
      expect(await forecasts.pairs('st-community', H0, H0 + 9 * HOUR_MS)).toEqual([{ leadHours: 1, model: 4, persistence: 4, actual: 5 }]);
    });

    it('gives final hourly values by hour, leaving out provisional and missing ones', async () => {
      const { forecasts, hours } = await adapter.open();
      await hours.saveHours([hour('st-community', 0, 3), hour('st-community', 1, null), hour('st-community', 2, 4, true), hour('st-community', 3, 8)], H0);
      expect(await forecasts.values('st-community', H0, H0 + 3 * HOUR_MS)).toEqual(new Map([[H0, 3], [H0 + 3 * HOUR_MS, 8]]));
      expect(await forecasts.values('st-school', H0, H0 + 3 * HOUR_MS)).toEqual(new Map());
    });

    it("keeps one official forecast per station, the later replacing the earlier", async () => {
      const { forecasts } = await adapter.open();
      expect(await forecasts.official('st-community')).toBeUndefined();
      await forecasts.saveOfficial('st-community', official(H0 + 24 * HOUR_MS, 5));
      await forecasts.saveOfficial('st-community', official(H0 + 48 * HOUR_MS, 8));
      await forecasts.saveOfficial('st-school', official(H0 + 24 * HOUR_MS, 2));
      expect(await forecasts.official('st-community')).toEqual(official(H0 + 48 * HOUR_MS, 8));
    });

    it('drops kept forecasts whose target hour is before a time', async () => {
      const { forecasts, hours } = await adapter.open();
      await hours.saveHours([2, 3, 4].map((i) => hour('st-community', i, i)), H0);
      await forecasts.log([logged('st-community', 1, 1, 2, 1), logged('st-community', 2, 1, 3, 2), logged('st-community', 3, 1, 4, 3)]);
      await forecasts.pruneBefore(H0 + 3 * HOUR_MS);
      expect((await forecasts.pairs('st-community', H0, H0 + 9 * HOUR_MS)).map((p) => p.actual)).toEqual([3, 4]);
    });

    it('keeps kept forecasts and official ones across a restart', async () => {
      const first = await adapter.open();
      await first.hours.saveHours([hour('st-community', 2, 5)], H0);
      await first.forecasts.log([logged('st-community', 1, 1, 4, 4)]);
      await first.forecasts.saveOfficial('st-community', official(H0 + 24 * HOUR_MS, 6));
      const again = await adapter.reopen();
      expect(await again.forecasts.pairs('st-community', H0, H0 + 9 * HOUR_MS)).toEqual([{ leadHours: 1, model: 4, persistence: 4, actual: 5 }]);
      expect(await again.forecasts.official('st-community')).toEqual(official(H0 + 24 * HOUR_MS, 6));
    });
  });
}
