import { describe, expect, it } from 'vitest';
import type { DailyReport } from '../../gateway/aqhi/daily-report-schema.js';
import type { DailyReportStore } from '../../gateway/aqhi/daily-report-store.js';
import type { AdapterFactory } from './adapter.js';

const T0 = Date.parse('2026-12-02T00:05:00Z');

/** A report reduced to what names it and one figure: the store keeps the body whole, whatever its figures. */
function report(date: string, revision: number, maxValue: number, stationId: string | null = 'st-community'): DailyReport {
  return {
    scope: stationId === null ? 'district' : 'station',
    stationId,
    district: 'xuhui',
    name: stationId === null ? 'Xuhui' : 'Community health station',
    timeZone: 'Asia/Shanghai',
    date,
    revision,
    issuedAt: new Date(T0 + revision).toISOString(),
    maxValue,
    profile: { name: 'hk-aqhi', version: '2013', status: 'verified' },
  } as unknown as DailyReport;
}

export function dailyReportStoreContract(factory: AdapterFactory<DailyReportStore>): void {
  describe(`DailyReportStore contract: ${factory.name}`, () => {
    const adapter = factory.setup();

    it('keeps every revision and gives the highest as the latest', async () => {
      const store = await adapter.open();
      expect(await store.saveNew([{ scope: 'station', subject: 'st-community', report: report('2026-12-01', 1, 4) }], T0)).toEqual([report('2026-12-01', 1, 4)]);
      await store.saveNew([{ scope: 'station', subject: 'st-community', report: report('2026-12-01', 2, 7) }], T0 + 1);
      expect(await store.latest('station', 'st-community', '2026-12-01')).toEqual(report('2026-12-01', 2, 7));
      expect(await store.latest('station', 'st-community', '2026-11-30')).toBeUndefined();
      expect(await store.latest('district', 'st-community', '2026-12-01')).toBeUndefined();
    });

    it('keeps a revision once: the first stays, and a second save of it gives back nothing', async () => {
      const store = await adapter.open();
      const first = [
        { scope: 'station' as const, subject: 'st-community', report: report('2026-12-01', 1, 4) },
        { scope: 'district' as const, subject: 'xuhui', report: report('2026-12-01', 1, 5, null) },
      ];
      expect(await store.saveNew(first, T0)).toEqual([report('2026-12-01', 1, 4), report('2026-12-01', 1, 5, null)]);
      const again = await store.saveNew(
        [
          { scope: 'station', subject: 'st-community', report: report('2026-12-01', 1, 9) },
          { scope: 'station', subject: 'st-school', report: report('2026-12-01', 1, 3, 'st-school') },
        ],
        T0 + 1,
      );
      expect(again).toEqual([report('2026-12-01', 1, 3, 'st-school')]);
      expect(await store.latest('station', 'st-community', '2026-12-01')).toEqual(report('2026-12-01', 1, 4));
      expect(await store.saveNew([], T0)).toEqual([]);
    });

    it("gives the latest revision of each of a subject's newest days up to a date, newest first", async () => {
      const store = await adapter.open();
      const save = (date: string, revision: number, maxValue: number) => store.saveNew([{ scope: 'station', subject: 'st-community', report: report(date, revision, maxValue) }], T0);
      await save('2026-11-28', 1, 2);
      await save('2026-11-29', 1, 3);
      await save('2026-11-29', 2, 8);
      await save('2026-11-30', 1, 4);
      await save('2026-12-01', 1, 5);
      await store.saveNew([{ scope: 'station', subject: 'st-school', report: report('2026-11-30', 1, 1, 'st-school') }], T0);
      expect(await store.recent('station', 'st-community', '2026-11-30', 2)).toEqual([report('2026-11-30', 1, 4), report('2026-11-29', 2, 8)]);
      expect((await store.recent('station', 'st-community', '2026-12-01', 10)).map((r) => r.date)).toEqual(['2026-12-01', '2026-11-30', '2026-11-29', '2026-11-28']);
      expect(await store.recent('station', 'st-community', '2026-11-27', 10)).toEqual([]);
    });

    it('keeps reports across a restart', async () => {
      const first = await adapter.open();
      await first.saveNew([{ scope: 'district', subject: 'xuhui', report: report('2026-12-01', 1, 6, null) }], T0);
      const again = await adapter.reopen();
      expect(await again.latest('district', 'xuhui', '2026-12-01')).toEqual(report('2026-12-01', 1, 6, null));
      expect(await again.saveNew([{ scope: 'district', subject: 'xuhui', report: report('2026-12-01', 1, 9, null) }], T0 + 1)).toEqual([]);
    });
  });
}
