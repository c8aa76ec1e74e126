import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import {
  addDays,
  buildDailyFigures,
  HOUR_MS,
  limitsOf,
  localDateOf,
  localDayBounds,
  localTimeToMs,
  mergeStationHours,
  parseTimeOfDay,
  type AqiProfile,
  type DayHour,
} from '../../rules/aqhi/index.js';
import type { Registry } from '../registry/registry.js';
import type { AqhiService } from './aqhi-service.js';
import type { DailyReport } from './daily-report-schema.js';
import type { DailyReportStore, ReportScope, ReportToSave } from './daily-report-store.js';
import type { AqhiStore } from './sqlite-aqhi-store.js';

export interface DailyReportEvents {
  /** A report was issued: a day's first (revision 1) or a re-issue after late data. */
  reportIssued: [report: DailyReport];
}

export interface DailyReportDeps {
  profile: AqiProfile;
  aqhi: Pick<AqhiService, 'events' | 'flush'>;
  hours: Pick<AqhiStore, 'hourValues' | 'means'>;
  reports: DailyReportStore;
  registry: Pick<Registry, 'list' | 'get'>;
  timeZone: string;
  /** Local time (HH:MM) at which the day before is reported. */
  issueAt: string;
  /** Counted hours a day needs to be complete. */
  requiredHours: number;
  now: () => number;
  log: Logger;
  /** How long late data settles before a day is re-issued, default 2 s. */
  reissueDelayMs?: number;
}

export interface DailyReportService {
  readonly events: EventEmitter<DailyReportEvents>;
  /** Issues the last day whose issue time has passed, for every station and district not yet reported. */
  issueDue(nowMs?: number): Promise<DailyReport[]>;
  /** Re-issues the days late data has changed since they were issued; only changed figures make a revision. */
  reissueChanged(nowMs?: number): Promise<DailyReport[]>;
  /** The latest revision of each of the last `days` issued days, newest first. */
  recent(scope: ReportScope, subject: string, days: number, nowMs?: number): Promise<DailyReport[]>;
  /** Every station's and district's newest report (for the retained topics). */
  newest(nowMs?: number): Promise<DailyReport[]>;
  /** Issues what is due, then keeps the schedule. */
  start(): Promise<void>;
  stop(): void;
}

const figuresOf = (r: DailyReport): string => JSON.stringify({ ...r, revision: 0, issuedAt: '' });

/**
 * Daily reports: at `issueAt` local time the day before is reported for every station and every
 * district, kept, and published; when late readings change a reported day, it is re-issued with
 * the next revision.
 */
export function createDailyReportService(deps: DailyReportDeps): DailyReportService {
  const { profile, registry, reports, timeZone, now, log } = deps;
  const issueMinutes = parseTimeOfDay(deps.issueAt);
  const limits = limitsOf(profile);
  const events = new EventEmitter<DailyReportEvents>();
  const changedDays = new Map<string, Set<string>>(); // station → dates
  let timer: NodeJS.Timeout | undefined;
  let reissueTimer: NodeJS.Timeout | undefined;
  let stopped = false;

  /** The day a report is due for at nowMs: yesterday once today's issue time has passed. */
  function dueDate(nowMs: number): string {
    const today = localDateOf(nowMs, timeZone);
    return nowMs >= localTimeToMs(today, issueMinutes, timeZone) ? addDays(today, -1) : addDays(today, -2);
  }

  async function stationHours(stationId: string, startMs: number, endMs: number): Promise<DayHour[]> {
    const [stored, values] = await Promise.all([deps.hours.means(stationId, startMs, endMs - 1), deps.hours.hourValues(stationId, startMs, endMs - 1)]);
    const means = new Map(stored.map((m) => [m.hourStartMs, m.means]));
    return values.map((u) => ({
      hourStartMs: u.hourStartMs,
      value: u.value,
      primaryPollutants: u.primaryPollutants,
      means: means.get(u.hourStartMs) ?? {},
    }));
  }

  async function build(scope: ReportScope, subject: string, date: string, nowMs: number): Promise<DailyReport | undefined> {
    const { startMs, endMs } = localDayBounds(date, timeZone);
    const stations = registry.list('stations').filter((s) => (scope === 'station' ? s.id === subject : s.district === subject));
    if (stations.length === 0) return undefined;
    const hours = scope === 'station' ? await stationHours(subject, startMs, endMs) : mergeStationHours(await Promise.all(stations.map((s) => stationHours(s.id, startMs, endMs))));
    // No hour at all: the station was not reporting yet (or was away all day); nothing to file.
    if (hours.length === 0) return undefined;
    const figures = buildDailyFigures({ profile, date, startMs, endMs, hours, limits, requiredHours: deps.requiredHours });
    const station = scope === 'station' ? stations[0] : undefined;
    return {
      scope,
      stationId: station?.id ?? null,
      district: station?.district ?? subject,
      name: station?.name ?? districtName(subject, stations),
      timeZone,
      ...figures,
      revision: 1,
      issuedAt: new Date(nowMs).toISOString(),
      profile: { name: profile.name, version: profile.version, status: profile.status },
    };
  }

  /** The district's name as its stations give it, else its grids' names, else its id. */
  function districtName(district: string, stations: readonly { districtName?: string }[]): string {
    const named = stations.find((s) => s.districtName !== undefined)?.districtName;
    if (named !== undefined) return named;
    const grids = registry.list('grids').filter((g) => g.district === district);
    return grids.length === 0 ? district : grids.map((g) => g.name).join(', ');
  }

  function subjects(): [ReportScope, string][] {
    const stations = registry.list('stations');
    return [...stations.map((s): [ReportScope, string] => ['station', s.id]), ...[...new Set(stations.map((s) => s.district))].sort().map((d): [ReportScope, string] => ['district', d])];
  }

  async function issue(scope: ReportScope, subject: string, date: string, nowMs: number): Promise<DailyReport | undefined> {
    const previous = await reports.latest(scope, subject, date);
    const next = await build(scope, subject, date, nowMs);
    if (next === undefined) return undefined;
    if (previous !== undefined) {
      if (figuresOf(previous) === figuresOf(next)) return undefined;
      next.revision = previous.revision + 1;
    }
    const [kept] = await reports.saveNew([{ scope, subject, report: next }], nowMs);
    if (kept !== undefined) announce(kept);
    return kept;
  }

  function announce(report: DailyReport): void {
    try {
      events.emit('reportIssued', report);
    } catch (err) {
      log.error({ err, scope: report.scope, subject: report.stationId ?? report.district, date: report.date }, 'a listener of daily reports failed');
    }
  }

  async function issueDue(nowMs = now()): Promise<DailyReport[]> {
    const date = dueDate(nowMs);
    await deps.aqhi.flush();
    const due: ReportToSave[] = [];
    for (const [scope, subject] of subjects()) {
      if ((await reports.latest(scope, subject, date)) !== undefined) continue;
      const report = await build(scope, subject, date, nowMs);
      if (report !== undefined) due.push({ scope, subject, report });
    }
    // One write; a report another issue of the same day kept first is not told twice.
    const out = due.length === 0 ? [] : await reports.saveNew(due, nowMs);
    // Told once they are all written: a listener never sees a report a crash could still undo.
    for (const r of out) announce(r);
    if (out.length > 0) log.info({ date, reports: out.length }, 'daily index reports issued');
    return out;
  }

  async function reissueChanged(nowMs = now()): Promise<DailyReport[]> {
    if (changedDays.size === 0) return [];
    await deps.aqhi.flush();
    const work = [...changedDays];
    changedDays.clear();
    const out: DailyReport[] = [];
    for (const [stationId, dates] of work) {
      const district = registry.get('stations', stationId)?.district;
      for (const date of dates) {
        for (const [scope, subject] of [['station', stationId], ['district', district]] as const) {
          if (subject === undefined || (await reports.latest(scope, subject, date)) === undefined) continue;
          const r = await issue(scope, subject, date, nowMs);
          if (r !== undefined) out.push(r);
        }
      }
    }
    if (out.length > 0) log.info({ reissued: out.map((r) => `${r.scope}:${r.stationId ?? r.district}@${r.date} rev ${r.revision}`) }, 'daily index reports re-issued after late data');
    return out;
  }

  // A finished hour of a day already reported changed: late data. Re-issue once it settles.
  const onIndexChanged: (u: { stationId: string; hourStartMs: number; provisional: boolean }) => void = (u) => {
    if (u.provisional) return;
    const date = localDateOf(u.hourStartMs, timeZone);
    if (date > dueDate(now())) return;
    const dates = changedDays.get(u.stationId) ?? new Set<string>();
    changedDays.set(u.stationId, dates.add(date));
    if (reissueTimer === undefined && !stopped) {
      reissueTimer = setTimeout(() => {
        reissueTimer = undefined;
        reissueChanged().catch((err: unknown) => log.error({ err }, 're-issuing daily reports failed'));
      }, deps.reissueDelayMs ?? 2000);
      reissueTimer.unref();
    }
  };
  deps.aqhi.events.on('indexChanged', onIndexChanged);

  function schedule(): void {
    const nowMs = now();
    const today = localDateOf(nowMs, timeZone);
    let at = localTimeToMs(today, issueMinutes, timeZone);
    if (at <= nowMs) at = localTimeToMs(addDays(today, 1), issueMinutes, timeZone);
    // Long waits are cut into hours: a timer far ahead drifts, and the clock may be moved.
    timer = setTimeout(() => {
      void issueDue()
        .catch((err: unknown) => log.error({ err }, 'issuing daily reports failed'))
        .finally(() => {
          if (!stopped) schedule();
        });
    }, Math.min(at - nowMs + 1000, HOUR_MS));
    timer.unref();
  }

  return {
    events,
    issueDue,
    reissueChanged,
    recent(scope, subject, days, nowMs = now()) {
      return reports.recent(scope, subject, dueDate(nowMs), days);
    },
    async newest(nowMs = now()) {
      const newest = await Promise.all(subjects().map(async ([scope, subject]) => (await reports.recent(scope, subject, dueDate(nowMs), 1))[0]));
      return newest.filter((r): r is DailyReport => r !== undefined);
    },
    async start() {
      if (stopped || timer !== undefined) return;
      // Scheduled first: a second start while the first issue runs does nothing.
      schedule();
      await issueDue();
    },
    stop() {
      stopped = true;
      deps.aqhi.events.off('indexChanged', onIndexChanged);
      if (timer !== undefined) clearTimeout(timer);
      if (reissueTimer !== undefined) clearTimeout(reissueTimer);
    },
  };
}
