import type { Logger } from 'pino';
import type { AqiProfile } from '../../rules/aqhi/index.js';
import type { GatewayConfig } from '../config/config.js';
import type { Registry } from '../registry/registry.js';
import type { AqhiService } from './aqhi-service.js';
import type { FeedBroker } from './aqhi-feed-publisher.js';
import type { DailyReport } from './daily-report-schema.js';
import { createDailyReportService, type DailyReportService } from './daily-report-service.js';
import type { DailyReportStore } from './daily-report-store.js';
import { createForecastService, type ForecastService } from './forecast-service.js';
import type { ForecastBody } from './forecast-schema.js';
import type { ForecastStore } from './forecast-store.js';
import { SseHub } from '../streams/sse-hub.js';
import { createRetainedPublisher, type RetainedSource } from './retained-publisher.js';
import type { AqhiStore } from './sqlite-aqhi-store.js';

/** CONTRACT.md §6: retained, the station's (or the district's) latest daily report. */
export const dailyReportTopic = (r: Pick<DailyReport, 'scope' | 'stationId' | 'district'>): string =>
  r.scope === 'station' ? `feeds/aqhi/${r.stationId ?? ''}/daily` : `feeds/aqhi/district/${r.district}/daily`;

/** CONTRACT.md §6: retained, the station's forecast. */
export const forecastTopic = (f: Pick<ForecastBody, 'stationId'>): string => `feeds/aqhi/${f.stationId}/forecast`;

export interface IndexReports {
  readonly daily: DailyReportService;
  readonly forecast: ForecastService;
  /** Forecasts as they are made, for GET /api/aqhi/forecast/stream. */
  readonly forecastStream: SseHub<ForecastBody>;
  /** Starts the schedules and publishes the retained topics; resolves once what was due is issued. */
  start(broker: FeedBroker): Promise<void>;
  /** Several gateways: the hourly forecasts, which every gateway makes alike, go out only from the one that computes the index. */
  publishOnlyWhile(computes: () => boolean): void;
  stop(): void;
}

/** What the gateway builds on the hourly index: daily reports and forecasts, published retained. */
export function createIndexReports(deps: {
  config: GatewayConfig['aqhi'];
  profile: AqiProfile;
  aqhi: AqhiService;
  store: AqhiStore;
  reports: DailyReportStore;
  forecasts: ForecastStore;
  registry: Registry;
  timeZone: string;
  now: () => number;
  log: Logger;
}): IndexReports {
  const daily = createDailyReportService({
    profile: deps.profile,
    aqhi: deps.aqhi,
    hours: deps.store,
    reports: deps.reports,
    registry: deps.registry,
    timeZone: deps.timeZone,
    issueAt: deps.config.dailyIssueAt,
    requiredHours: deps.config.dailyRequiredHours,
    now: deps.now,
    log: deps.log,
  });
  const dailySource: RetainedSource<DailyReport> = {
    subscribe(listener) {
      // A day's report is kept once, by the gateway that issued it first: that one publishes it.
      const issued = (report: DailyReport): void => listener(report, true);
      daily.events.on('reportIssued', issued);
      return () => daily.events.off('reportIssued', issued);
    },
    all: () => daily.newest(),
    topicOf: dailyReportTopic,
  };
  const forecast = createForecastService({
    profile: deps.profile,
    aqhi: deps.aqhi,
    store: deps.forecasts,
    registry: deps.registry,
    timeZone: deps.timeZone,
    now: deps.now,
    log: deps.log,
  });
  const forecastStream = new SseHub<ForecastBody>();
  forecast.events.on('forecastChanged', (body) => forecastStream.publish('forecast', body));
  const forecastSource: RetainedSource<ForecastBody> = {
    subscribe(listener) {
      const changed = (body: ForecastBody, cause: 'hourly' | 'official'): void => listener(body, cause === 'official');
      forecast.events.on('forecastChanged', changed);
      return () => forecast.events.off('forecastChanged', changed);
    },
    all: () => forecast.all(),
    topicOf: forecastTopic,
  };
  const publisher = createRetainedPublisher([dailySource as RetainedSource<unknown>, forecastSource as RetainedSource<unknown>], deps.log);
  return {
    daily,
    forecast,
    forecastStream,
    async start(broker) {
      publisher.attachBroker(broker);
      await daily.start();
    },
    publishOnlyWhile(computes) {
      publisher.publishOnlyWhile(computes);
    },
    stop() {
      publisher.detachBroker();
      publisher.close();
      forecastStream.close();
      daily.stop();
      forecast.stop();
    },
  };
}
