import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { AirStationModel } from '../../firmware-sim/air-station-model.js';
import { createDailyReportService } from '../../gateway/aqhi/daily-report-service.js';
import { SqliteDailyReportStore } from '../../gateway/aqhi/daily-report-store.js';
import { SqliteAqhiStore } from '../../gateway/aqhi/sqlite-aqhi-store.js';
import { openDatabase } from '../../gateway/store/sqlite-database.js';
import {
  createAqhiEngine,
  fitModel,
  HK_2013,
  HOUR_MS,
  modelBeatsPersistence,
  modelForecast,
  scoreSkill,
  SKILL_LEADS,
  zoneOffsetMs,
  type IndexUpdate,
  type ScoredPair,
} from '../../rules/aqhi/index.js';
import { EventEmitter } from 'node:events';

type Log = (line: string) => void;
type RecordRow = (measure: string, value: string) => void;

const TZ = 'Asia/Shanghai';
const DAY_MS = 24 * HOUR_MS;
const START = Date.UTC(2026, 0, 4, 16); // local midnight, 5 Jan 2026

/** 60 days of one demo station through the real engine: the final hourly index values. */
function simulateStation(deviceId: string, days: number): { series: Map<number, number>; updates: IndexUpdate[]; means: Map<number, Record<string, number>> } {
  const model = new AirStationModel({ deviceId, timeZone: TZ, seed: `demo-${deviceId}`, startMs: START });
  const engine = createAqhiEngine({ profile: HK_2013, retentionHours: 48 });
  const finals = new Map<number, IndexUpdate>();
  const means = new Map<number, Record<string, number>>();
  for (let t = START; t < START + days * DAY_MS; t += 5 * 60_000) {
    const [message] = model.sample(t);
    const { ts: _ts, ...values } = message!.body as { ts: number; pm25: number };
    engine.ingest('s', t, values);
    if ((t + 5 * 60_000) % HOUR_MS === 0) {
      for (const u of engine.tick(t + 5 * 60_000)) if (!u.provisional) finals.set(u.hourStartMs, u);
      const [summary] = engine.hourly('s', 2).filter((s) => s.hourStartMs === t + 5 * 60_000 - HOUR_MS);
      if (summary !== undefined) means.set(summary.hourStartMs, Object.fromEntries(Object.entries(summary.pollutants).map(([p, h]) => [p, h.mean ?? 0])));
    }
  }
  const series = new Map<number, number>();
  for (const [h, u] of finals) if (u.value !== null) series.set(h, u.value);
  return { series, updates: [...finals.values()], means };
}

/** Every hour from day 15 on: the model fitted on what came before, against persistence. */
function hindcast(series: Map<number, number>, days: number): ScoredPair[] {
  const pairs: ScoredPair[] = [];
  const zone = zoneOffsetMs(TZ, START);
  for (let t = START + 14 * DAY_MS; t < START + days * DAY_MS; t += HOUR_MS) {
    const y = series.get(t);
    if (y === undefined) continue;
    const fit = fitModel(series, t, { zoneOffsetMs: zone });
    for (const lead of SKILL_LEADS) {
      const actual = series.get(t + lead * HOUR_MS);
      if (actual === undefined) continue;
      pairs.push({ leadHours: lead, model: fit.kind === 'model' ? modelForecast(fit, y, t, lead, zone) : null, persistence: y, actual });
    }
  }
  return pairs;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function aqhiBench(log: Log, record: RecordRow, quick: boolean): Promise<void> {
  const days = quick ? 30 : 60;
  log(`\n## Index forecast skill: ${days} simulated days of the demo stations (HK 2013), hindcast from day 15`);
  const all: ScoredPair[] = [];
  let sample: ReturnType<typeof simulateStation> | undefined;
  for (const id of ['air-01', 'air-02']) {
    const sim = simulateStation(id, days);
    sample ??= sim;
    const pairs = hindcast(sim.series, days);
    all.push(...pairs);
    const s = scoreSkill(HK_2013, pairs);
    for (const lead of SKILL_LEADS) {
      const k = s[`h${lead}`];
      log(`${id} ${lead} h: model MAE ${k.mae} hit ${k.bandHitRate} | persistence MAE ${k.persistenceMae} hit ${k.persistenceBandHitRate} (n ${k.n})`);
    }
    log(`${id}: the gateway would show ${modelBeatsPersistence(pairs) ? 'the model' : 'persistence'}`);
  }
  const s = scoreSkill(HK_2013, all);
  for (const lead of SKILL_LEADS) {
    const k = s[`h${lead}`];
    record(`forecast ${lead} h ahead, MAE (band hit rate): model vs persistence`, `${k.mae} (${k.bandHitRate}) vs ${k.persistenceMae} (${k.persistenceBandHitRate}), n ${k.n}`);
  }

  log('\n## Daily reports for 500 stations');
  const dir = mkdtempSync(path.join(tmpdir(), 'aqhi-bench-'));
  try {
    const db = openDatabase(dir);
    const store = new SqliteAqhiStore(db);
    const dayStart = START + 20 * DAY_MS;
    const dayUpdates = sample!.updates.filter((u) => u.hourStartMs >= dayStart && u.hourStartMs < dayStart + DAY_MS);
    const stations = Array.from({ length: 500 }, (_, i) => ({ id: `s${i}`, name: `Station ${i}`, lat: 30, lon: 120, district: `d${i % 50}` }));
    for (const st of stations) {
      await store.saveHours(dayUpdates.map((u) => ({ ...u, stationId: st.id })), 0);
      await store.saveMeans(dayUpdates.map((u) => ({ stationId: st.id, hourStartMs: u.hourStartMs, means: sample!.means.get(u.hourStartMs) ?? {} })));
    }
    const registry = {
      list: (c: string) => (c === 'stations' ? stations : []),
      get: (_c: string, id: string) => stations.find((s) => s.id === id),
    } as never;
    const times: number[] = [];
    for (let run = 0; run < 3; run++) {
      db.exec('DELETE FROM aqhi_daily_reports');
      const service = createDailyReportService({
        profile: HK_2013,
        aqhi: { events: new EventEmitter() as never, flush: () => Promise.resolve() },
        hours: store,
        reports: new SqliteDailyReportStore(db),
        registry,
        timeZone: TZ,
        issueAt: '01:00',
        requiredHours: 20,
        now: () => dayStart + DAY_MS + HOUR_MS,
        log: pino({ level: 'silent' }),
      });
      const t0 = performance.now();
      const issued = await service.issueDue();
      times.push(performance.now() - t0);
      service.stop();
      if (issued.length !== 550) throw new Error(`expected 550 reports, issued ${issued.length}`);
    }
    log(`issue all (500 stations + 50 districts), 3 runs: ${times.map((t) => t.toFixed(0)).join(', ')} ms`);
    record('daily reports, 500 stations + 50 districts, issue all (median of 3)', `${median(times).toFixed(0)} ms`);
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
