import type { Logger } from 'pino';
import { addDays, categoryForBand, localDateOf, localTimeToMs, parseTimeOfDay, type AqiProfile } from '../../rules/aqhi/index.js';
import type { AqhiService } from '../aqhi/aqhi-service.js';
import type { ForecastBody } from '../aqhi/forecast-schema.js';
import type { ForecastService } from '../aqhi/forecast-service.js';
import type { Registry } from '../registry/registry.js';
import type { AlertService } from './alert-service.js';
import type { KeyedAlert } from './alert-store.js';

/** The conditions for which the index's "at risk" advice is written (heart and lung disease). */
export const AT_RISK_CONDITIONS: ReadonlySet<string> = new Set(['copd', 'asthma', 'cardiac']);

export interface AqhiNoticeDeps {
  events: AqhiService['events'];
  registry: Registry;
  alerts: AlertService;
  log: Logger;
  now(): number;
}

export function aqhiNoticeKey(stationId: string, gridId: string): string {
  return `aqhi_high:${stationId}:${gridId}`;
}

/**
 * `aqhi_high`: when a station's index reaches the high band, each grid of its district with
 * residents at risk gets one alert listing them (one notice to the worker on duty, not a page per
 * resident); when the index eases the alert resolves and the same workers are told.
 */
export function connectAqhiNotices(deps: AqhiNoticeDeps): void {
  const { registry, alerts, log } = deps;
  const failed = (stationId: string) => (err: unknown) => log.error({ err, stationId }, 'aqhi notice failed');
  deps.events.on('highChanged', (stationId, { high, update }) => {
    try {
      const station = registry.get('stations', stationId);
      if (station === undefined) return;
      for (const grid of registry.list('grids')) {
        if (grid.district !== station.district) continue;
        const key = aqhiNoticeKey(stationId, grid.id);
        if (!high) {
          alerts
            .clear(key, deps.now())
            .then((closed) => (closed === undefined ? 0 : alerts.pageDirect(closed.id, grid.onDuty.slice(0, 1), { reason: 'notice', role: 'onDuty' })))
            .catch(failed(stationId));
          continue;
        }
        const atRisk = registry.list('residents').filter((r) => r.grid === grid.id && r.conditions.some((c) => AT_RISK_CONDITIONS.has(c)));
        if (atRisk.length === 0) continue;
        const index = update.display ?? String(update.value);
        const advice = update.advice?.heartOrRespiratory.en ?? null;
        alerts
          .raise({
            kind: 'aqhi_high',
            severity: 'medium',
            subject: stationId,
            grid: grid.id,
            dedupKey: key,
            occurredAtMs: deps.now(),
            details: {
              station: station.name,
              index,
              band: update.band,
              category: update.category?.name.en ?? null,
              residentsAtRisk: atRisk.map((r) => r.id),
              summary: `Index ${index} at ${station.name}; ${atRisk.length} resident(s) at risk: ${atRisk.map((r) => r.name).join(', ')}`,
              advice,
            },
          })
          .catch(failed(stationId));
      }
    } catch (err) {
      log.error({ err, stationId }, 'aqhi notice failed');
    }
  });
}

/** One morning notice per grid and local day, whatever the number of stations in its district. */
export function forecastNoticeKey(gridId: string, date: string): string {
  return `aqhi_forecast:${gridId}:${date}`;
}

/** A morning notice is sent from `noticeAt` until this long after it (a gateway started late still sends it). */
const FORECAST_NOTICE_WINDOW_MS = 3 * 3_600_000;

export interface ForecastNoticeDeps {
  registry: Registry;
  alerts: AlertService;
  forecasts: Pick<ForecastService, 'forecast'>;
  /** Its high band (aqhi_high) and advice; a profile with no high band sends no notice. */
  profile: AqiProfile;
  timeZone: string;
  /** Local HH:MM of the morning notice. */
  noticeAt: string;
  log: Logger;
  now(): number;
}

export interface ForecastNotices {
  /** Sends today's notices if it is the morning window and they are not sent yet; returns the grids told. */
  runDue(nowMs?: number): Promise<string[]>;
  /** Runs now (a start within the morning window) and then each morning. */
  start(): Promise<void>;
  stop(): void;
}

/**
 * The forecast outreach: each morning, every grid whose district has a station forecast high or
 * worse for the rest of today or for tomorrow, and residents at risk, gets one notice (an
 * `aqhi_high` alert with `details.forecast`) naming them with the advice. None when the forecast
 * is not high; yesterday's notice is closed without a page.
 */
export function connectForecastNotices(deps: ForecastNoticeDeps): ForecastNotices {
  const { registry, alerts, log, timeZone } = deps;
  const noticeMinutes = parseTimeOfDay(deps.noticeAt);
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  async function worstOf(districtStations: readonly string[], today: string, nowMs: number) {
    let worst: { band: number; when: 'today' | 'tomorrow'; stationId: string; forecast: ForecastBody } | undefined;
    for (const stationId of districtStations) {
      const f = await deps.forecasts.forecast(stationId, nowMs);
      if (f === undefined) continue;
      const candidates: { band: number; when: 'today' | 'tomorrow' }[] = f.hours
        .filter((h) => localDateOf(Date.parse(h.at), timeZone) === today)
        .map((h) => ({ band: h.band, when: 'today' as const }));
      if (f.tomorrow !== null) candidates.push({ band: f.tomorrow.band, when: 'tomorrow' });
      for (const c of candidates) if (worst === undefined || c.band > worst.band) worst = { ...c, stationId, forecast: f };
    }
    return worst;
  }

  async function runDue(nowMs = deps.now()): Promise<string[]> {
    const highFrom = deps.profile.highBandFrom;
    if (highFrom === undefined) return [];
    const today = localDateOf(nowMs, timeZone);
    const from = localTimeToMs(today, noticeMinutes, timeZone);
    if (nowMs < from || nowMs >= from + FORECAST_NOTICE_WINDOW_MS) return [];
    const told: string[] = [];
    const stations = registry.list('stations');
    for (const grid of registry.list('grids')) {
      try {
        const key = forecastNoticeKey(grid.id, today);
        // Yesterday's notice has served its day.
        for (const open of alerts.activeAlerts() as KeyedAlert[]) {
          if (open.dedupKey?.startsWith(`aqhi_forecast:${grid.id}:`) === true && open.dedupKey !== key) await alerts.clear(open.dedupKey, nowMs);
        }
        const sent = (await alerts.list({ kinds: ['aqhi_high'], grids: [grid.id], sinceMs: from - FORECAST_NOTICE_WINDOW_MS })).some((a) => a.details.forecastDate === today);
        if (sent) continue;
        const worst = await worstOf(stations.filter((s) => s.district === grid.district).map((s) => s.id), today, nowMs);
        if (worst === undefined || worst.band < highFrom) continue;
        const atRisk = registry.list('residents').filter((r) => r.grid === grid.id && r.conditions.some((c) => AT_RISK_CONDITIONS.has(c)));
        if (atRisk.length === 0) continue;
        const category = worst.forecast.hours.find((h) => h.band === worst.band)?.category ?? worst.forecast.tomorrow?.category ?? null;
        const source = worst.forecast.source === 'official' ? 'the environment bureau’s forecast' : worst.forecast.source === 'model' ? 'the station’s forecast model' : 'persistence (the index as it is now)';
        await alerts.raise({
          kind: 'aqhi_high',
          severity: 'medium',
          subject: worst.stationId,
          grid: grid.id,
          dedupKey: key,
          occurredAtMs: nowMs,
          details: {
            forecast: true,
            forecastDate: today,
            when: worst.when,
            station: worst.forecast.name,
            band: worst.band,
            category: category?.name.en ?? null,
            source: worst.forecast.source,
            residentsAtRisk: atRisk.map((r) => r.id),
            summary: `Forecast ${worst.when}: index band ${worst.band}${category === null ? '' : ` (${category.name.en})`} at ${worst.forecast.name}, from ${source}; ${atRisk.length} resident(s) at risk: ${atRisk.map((r) => r.name).join(', ')}`,
            advice: categoryForBand(deps.profile, worst.band)?.advice.heartOrRespiratory.en ?? null,
            adviceZh: categoryForBand(deps.profile, worst.band)?.advice.heartOrRespiratory.zh ?? null,
          },
        });
        told.push(grid.id);
      } catch (err) {
        log.error({ err, grid: grid.id }, 'aqhi forecast notice failed');
      }
    }
    if (told.length > 0) log.info({ grids: told, date: today }, 'index forecast notices sent');
    return told;
  }

  function schedule(): void {
    const nowMs = deps.now();
    const today = localDateOf(nowMs, timeZone);
    let at = localTimeToMs(today, noticeMinutes, timeZone);
    if (at <= nowMs) at = localTimeToMs(addDays(today, 1), noticeMinutes, timeZone);
    timer = setTimeout(() => {
      void runDue()
        .catch((err: unknown) => log.error({ err }, 'aqhi forecast notices failed'))
        .finally(() => {
          if (!stopped) schedule();
        });
    }, Math.min(at - nowMs + 1000, 3_600_000));
    timer.unref();
  }
  return {
    runDue,
    async start() {
      if (stopped || timer !== undefined) return;
      // Scheduled first: a second start while this run reads the forecasts does nothing.
      schedule();
      await runDue();
    },
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
