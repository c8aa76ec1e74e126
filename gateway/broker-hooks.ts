import type { Logger } from 'pino';
import type { BrokerHooks } from '../broker/mqtt-broker.js';
import type { createLoginGuard } from './auth/login-guard.js';
import { createRefusalLog } from './auth/refusal-log.js';
import type { IngestPipeline } from './ingest/ingest-pipeline.js';
import type { GatewayMetrics } from './metrics.js';
import { ThrottledLog } from './node-red/throttled-log.js';

export interface BrokerHookDeps {
  /** Device and app logins, with their back-off. */
  logins: ReturnType<typeof createLoginGuard>;
  ingest: IngestPipeline;
  metrics: GatewayMetrics;
  log: Logger;
  now(): number;
  /** For the log line of a client dropped for not reading (the limit it passed). */
  maxQueuedBytesPerClient: number;
}

/**
 * What the broker tells the gateway: logins go to the login guard, device messages into the
 * ingest pipeline, and every refusal is counted and logged (a flood of them throttled per client).
 */
export function brokerHooks({ logins, ingest, metrics, log, now, maxQueuedBytesPerClient }: BrokerHookDeps): BrokerHooks {
  const logRefusal = createRefusalLog(log, now);
  const retainLogs = new ThrottledLog(60_000);
  const guardLogs = new ThrottledLog(60_000);
  return {
    authenticateDevice: logins.authenticateDevice,
    authenticateApp: logins.authenticateApp,
    devicePublished: (deviceId, channel, payload, receivedAtMs, stored) => void ingest.ingest(deviceId, channel, payload, receivedAtMs, stored),
    retainIgnored: (clientId, topic) => {
      metrics.retainIgnored.inc();
      retainLogs.maybe(clientId, (suppressed) => log.warn({ clientId, topic, suppressedSinceLast: suppressed }, 'a device published a retained message; ingested, not retained'));
    },
    connectionRefused: (clientId, reason, address) => {
      metrics.connectionsRefused.inc({ reason });
      logRefusal(clientId, reason, address);
    },
    connectionGuarded: (reason, address, detail) => {
      metrics.connectionsGuarded.inc({ reason });
      guardLogs.maybe(`${reason}\u0000${address}`, (suppressed) => log.warn({ address, reason, detail, suppressedSinceLast: suppressed }, 'connection closed before authentication'));
    },
    aclDenied: (clientId, action, topic, reason) => {
      metrics.aclDenied.inc({ action });
      log.warn({ clientId, action, topic, reason }, 'topic ACL denied');
    },
    clientCountChanged: (n) => metrics.clientsConnected.set(n),
    slowClientDropped: (clientId, queuedBytes) => {
      metrics.slowClientsDropped.inc();
      log.warn({ clientId, queuedBytes, limit: maxQueuedBytesPerClient }, 'client not reading its messages; disconnected');
    },
  };
}
