import type { DeviceStateStore } from '../ingest/device-state-store.js';
import type { RejectionLog } from '../ingest/rejection-log.js';
import type { GatewayMetrics } from '../metrics.js';
import type { Registry } from '../registry/registry.js';
import type { TelemetryReader } from '../telemetry/telemetry-store.js';
import type { TokenStore } from './token-store.js';

export interface Readiness {
  ready: boolean;
  checks: Record<string, boolean>;
}

/** The services the HTTP routes ask for. */
export interface HttpDeps {
  registry: Registry;
  tokens: TokenStore;
  telemetry: TelemetryReader;
  deviceState: DeviceStateStore;
  rejections: RejectionLog;
  metrics: GatewayMetrics;
  readiness: () => Readiness;
  bodyLimitBytes: number;
  now: () => number;
}
