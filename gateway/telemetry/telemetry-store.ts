import type { DeviceKind, Reading } from '../../sensors/index.js';

export interface StoredReading {
  deviceId: string;
  kind: DeviceKind;
  tsMs: number;
  receivedAtMs: number;
  values: Record<string, unknown>;
}

export interface ReadingQuery {
  fromMs: number;
  toMs: number;
  limit: number;
}

/** Where accepted readings go. `write` never blocks ingestion: sinks buffer, bounded. */
export interface TelemetrySink {
  readonly name: string;
  write(reading: Reading): void;
  /** Resolves once everything written so far has been handed to the backend (or dropped). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface TelemetryReader {
  readings(deviceId: string, query: ReadingQuery): StoredReading[];
}
