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

/**
 * Told once a reading is committed to the store of record (no argument), or with an error when it
 * never will be (dropped by the bound, the store closing): the QoS 1 PUBACK waits for this.
 */
export type Committed = (err?: Error) => void;

/** Where accepted readings go. `write` never blocks ingestion: sinks buffer, bounded. */
export interface TelemetrySink {
  readonly name: string;
  /** `committed`, when given, is called exactly once; only the store of record is given one. */
  write(reading: Reading, committed?: Committed): void;
  /** Resolves once everything written so far has been handed to the backend (or dropped). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface TelemetryReader {
  readings(deviceId: string, query: ReadingQuery): StoredReading[] | Promise<StoredReading[]>;
}
