import { InfluxDB, Point, setLogger, type WriteApi } from '@influxdata/influxdb-client';
import type { Logger } from 'pino';
import type { Reading } from '../../sensors/index.js';
import type { GatewayMetrics } from '../metrics.js';
import type { TelemetrySink } from './telemetry-store.js';

export interface InfluxOptions {
  url: string;
  token: string;
  org: string;
  bucket: string;
  maxBufferLines: number;
  flushIntervalMs: number;
  batchSize: number;
  minRetryDelayMs?: number;
  maxRetryDelayMs?: number;
}

/**
 * Raw readings to InfluxDB through the official client, which batches, retries with backoff and
 * keeps a bounded retry buffer that drops the oldest lines first (we count and log those).
 * Measurement = device kind, tag `device`, one field per value, millisecond timestamps.
 */
export class InfluxTelemetryStore implements TelemetrySink {
  readonly name = 'influx';
  private readonly writeApi: WriteApi;

  constructor(
    options: InfluxOptions,
    metrics: GatewayMetrics,
    private readonly log: Logger,
  ) {
    const name = this.name;
    let lastFailureLogMs = 0;
    // The client logs to the console by default; its messages go to our log instead, at debug
    // level, since the callbacks below already report failures and drops once, with counts.
    setLogger({
      error: (message, err) => log.debug({ err }, message),
      warn: (message, err) => log.debug({ err }, message),
    });
    this.writeApi = new InfluxDB({ url: options.url, token: options.token, timeout: 5_000 }).getWriteApi(options.org, options.bucket, 'ms', {
      batchSize: options.batchSize,
      flushInterval: options.flushIntervalMs,
      maxBufferLines: options.maxBufferLines,
      maxRetries: 1_000_000,
      maxRetryTime: 24 * 3600_000,
      minRetryDelay: options.minRetryDelayMs ?? 500,
      maxRetryDelay: options.maxRetryDelayMs ?? 30_000,
      exponentialBase: 2,
      writeFailed(error, lines, attempt) {
        metrics.telemetryWriteErrors.inc({ sink: name });
        const now = Date.now();
        if (attempt === 1 || now - lastFailureLogMs > 60_000) {
          lastFailureLogMs = now;
          log.warn({ err: error, lines: lines.length, attempt }, 'InfluxDB write failed; buffering and retrying');
        }
      },
      writeSuccess(lines) {
        metrics.telemetryWritten.inc({ sink: name }, lines.length);
      },
      writeRetrySkipped(entry) {
        metrics.telemetryDropped.inc({ sink: name }, entry.lines.length);
        log.warn({ dropped: entry.lines.length, maxBufferLines: options.maxBufferLines }, 'InfluxDB retry buffer full: dropped the oldest readings');
      },
    });
  }

  write(reading: Reading): void {
    const point = new Point(reading.kind).tag('device', reading.deviceId).timestamp(reading.tsMs);
    let fields = 0;
    for (const [name, value] of Object.entries(reading.values)) {
      if (typeof value === 'number') point.floatField(name, value);
      else if (typeof value === 'boolean') point.booleanField(name, value);
      else if (typeof value === 'string') point.stringField(name, value);
      else continue;
      fields++;
    }
    if (fields > 0) this.writeApi.writePoint(point);
  }

  async flush(): Promise<void> {
    try {
      await this.writeApi.flush();
    } catch {
      // Failed lines stay in the retry buffer; writeFailed has counted and logged them.
    }
  }

  /** Sends what waits in the retry buffer now, instead of at its next scheduled retry. */
  async retryNow(): Promise<void> {
    try {
      await this.writeApi.flush(true);
    } catch {
      // Still failing: the lines stay buffered and writeFailed has counted them.
    }
  }

  async close(): Promise<void> {
    try {
      await this.writeApi.close();
    } catch (err) {
      this.log.warn({ err }, 'InfluxDB writer closed with unsent readings');
    }
  }
}
