import type { NeighbourhoodService } from '../neighbourhood/neighbourhood-service.js';
import type { AedService } from '../aed/aed-service.js';
import type { EmergencyService } from '../emergencies/emergency-service.js';
import type { DrillService } from '../drills/drill-service.js';
import type { AckLinks } from '../alerts/ack-links.js';
import type { AlertContext, KnownLocation } from '../alerts/alert-context.js';
import type { AlertService } from '../alerts/alert-service.js';
import type { AlertChangeMessage } from '../alerts/alert-view.js';
import type { Alert } from '../../rules/safety/index.js';
import type { DeviceStateStore } from '../ingest/device-state-store.js';
import type { RejectionLog } from '../ingest/rejection-log.js';
import type { GatewayMetrics } from '../metrics.js';
import type { Registry } from '../registry/registry.js';
import type { TelemetryReader } from '../telemetry/telemetry-store.js';
import type { SseHub } from '../streams/sse-hub.js';
import type { TokenStore } from '../auth/token-store.js';
import type { DeviceSessionStore } from './device-session-store.js';
import type { LoginBackoff } from '../auth/login-backoff.js';
import type { AqhiService } from '../aqhi/aqhi-service.js';
import type { StationIndex } from '../aqhi/feed-schema.js';
import type { DailyReportService } from '../aqhi/daily-report-service.js';
import type { ForecastService } from '../aqhi/forecast-service.js';
import type { ForecastBody } from '../aqhi/forecast-schema.js';
import type { AccessLog } from '../audit/access-log.js';
import type { WalkingRoutes } from '../routing/walking-route.js';
import type { SharingRecords } from '../sharing/sharing-records.js';
import type { ClusterStatus } from '../cluster/cluster-status.js';

export interface Readiness {
  ready: boolean;
  checks: Record<string, boolean>;
}

/** The services the HTTP routes ask for. */
export interface HttpDeps {
  registry: Registry;
  tokens: TokenStore;
  /** Phones' sign-in cookies (hashes only), hanging from the tokens above. */
  deviceSessions: DeviceSessionStore;
  /** Failed logins per address (shared with /red's login). */
  loginBackoff: LoginBackoff;
  telemetry: TelemetryReader;
  deviceState: DeviceStateStore;
  rejections: RejectionLog;
  metrics: GatewayMetrics;
  readiness: () => Readiness;
  /** GET /api/cluster. */
  cluster: () => Promise<ClusterStatus>;
  bodyLimitBytes: number;
  now: () => number;
  alerts: AlertService;
  /** Notes people may add to one alert through POST /api/alerts/:id/notes. */
  maxNotesPerAlert: number;
  alertHub: SseHub<AlertChangeMessage>;
  alertContext: (alert: Alert) => AlertContext;
  /** A resident's last reported position, while the gateway runs. */
  lastLocation: (residentId: string) => KnownLocation | undefined;
  ackLinks: AckLinks;
  aed: AedService;
  emergencies: EmergencyService;
  drills: DrillService;
  aqhi: Pick<AqhiService, 'feed' | 'history'>;
  aqhiStream: SseHub<StationIndex>;
  aqhiDaily: Pick<DailyReportService, 'recent'>;
  aqhiForecast: Pick<ForecastService, 'forecast' | 'all' | 'putOfficial'>;
  aqhiForecastStream: SseHub<ForecastBody>;
  /** Neighbourhood air sensors (bins), calibrated against the official stations. */
  neighbourhood: NeighbourhoodService;
  /** Every read of a resident's data, append-only. */
  accessLog: AccessLog;
  /** Residents' sharing choices as recorded. */
  sharingRecords: SharingRecords;
  /** `DELETE /api/residents/:id` (a resident leaves the programme, their data goes) and what stays of them. */
  residentLeaving: {
    /** Rejects with a RegistryError (`not_found`, `emergency_open`, `loading`). */
    leave(residentId: string, by: { actor: string; role: string }): Promise<unknown>;
    /** The anonymous counts that stay (leaving/departures.ts). */
    counts(): Promise<object>;
  };
  /** The deployment's time zone (the provision file's `timeZone`), for showing local times. */
  timeZone: string;
  /** The map's tile source (configuration `map.tiles`); null draws the map offline. */
  mapTiles?: { url: string; attribution: string; maxZoom: number } | null;
  /** Walking routes (configuration `map.routing`), or the straight line without a routing service. */
  walkingRoutes?: WalkingRoutes;
}
