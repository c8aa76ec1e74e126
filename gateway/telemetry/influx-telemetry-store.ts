import { InfluxDB, Point, type WriteApi } from '@influxdata/influxdb-client';
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
}

/**
 * Raw readings to InfluxDB through the official client, which batches, retries with backoff and
 * keeps a bounded retry buffer that drops the oldest lines first (we count and log those).
 * Measurement = device kind, tag `device`, one field per value, millisecond timestamps.
 */
export class InfluxTelemetryStore implements TelemetrySink {
  readonly name = 'influx';
  private readonly writeApi: WriteApi;
  private lastFailureLogMs = 0;

  constructor(
    options: InfluxOptions,
    private readonly metrics: GatewayMetrics,
    private readonly log: Logger,
  ) {
    const sink = this;
    this.writeApi = new InfluxDB({ url: options.url, token: options.token, timeout: 5_000 }).getWriteApi(options.org, options.bucket, 'ms', {
      batchSize: options.batchSize,
      flushInterval: options.flushIntervalMs,
      maxBufferLines: options.maxBufferLines,
      maxRetries: 1_000_000,
      maxRetryTime: 24 * 3600_000,
      minRetryDelay: 500,
      maxRetryDelay: 30_000,
      exponentialBase: 2,
      writeFailed(error, lines, attempt) {
        sink.metrics.telemetryWriteErrors.inc({ sink: sink.name });
        const now = Date.now();
        if (attempt === 1 || now - sink.lastFailureLogMs > 60_000) {
          sink.lastFailureLogMs = now;
          sink.log.warn({ err: error, lines: lines.length, attempt }, 'InfluxDB write failed; buffering and retrying');
        }
      },
      writeSuccess(lines) {
        sink.metrics.telemetryWritten.inc({ sink: sink.name }, lines.length);
      },
      writeRetrySkipped(entry) {
        sink.metrics.telemetryDropped.inc({ sink: sink.name }, entry.lines.length);
        sink.log.warn({ dropped: entry.lines.length, maxBufferLines: options.maxBufferLines }, 'InfluxDB retry buffer full: dropped the oldest readings');
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

  async close(): Promise<void> {
    try {
      await this.writeApi.close();
    } catch (err) {
      this.log.warn({ err }, 'InfluxDB writer closed with unsent readings');
    }
  }
}
