import type { Logger } from 'pino';
import type { DeviceKind, Rejection } from '../../sensors/index.js';
import type { GatewayMetrics } from '../metrics.js';
import type { DeviceRejectionStat, RejectionCount, RejectionStore } from './rejection-store.js';

const LOG_EVERY_MS = 60_000;

/**
 * Counts refused messages per device and reason (metrics by kind and reason; the per-device
 * table in the store), and logs each (device, reason) at most once a minute with its count.
 */
export class RejectionLog {
  private pending = new Map<string, RejectionCount>();
  private readonly lastLogged = new Map<string, { atMs: number; suppressed: number }>();

  constructor(
    private readonly store: RejectionStore,
    private readonly metrics: GatewayMetrics,
    private readonly log: Logger,
  ) {}

  record(deviceId: string, kind: DeviceKind | 'unknown', rejection: Rejection, topic: string, atMs: number): void {
    this.metrics.messagesRejected.inc({ kind, reason: rejection.reason });
    const key = `${deviceId}\u0000${rejection.reason}`;
    const entry = this.pending.get(key);
    if (entry === undefined) {
      this.pending.set(key, { deviceId, reason: rejection.reason, count: 1, lastAtMs: atMs, lastMessage: rejection.message });
    } else {
      entry.count++;
      entry.lastAtMs = atMs;
      entry.lastMessage = rejection.message;
    }
    const logged = this.lastLogged.get(key);
    if (logged !== undefined && atMs - logged.atMs < LOG_EVERY_MS) {
      logged.suppressed++;
      return;
    }
    this.lastLogged.set(key, { atMs, suppressed: 0 });
    this.log.warn(
      { deviceId, topic, reason: rejection.reason, field: rejection.field, suppressedSinceLast: logged?.suppressed ?? 0 },
      `message refused: ${rejection.message}`,
    );
  }

  /** Writes the counts gathered since the last write; counting goes on meanwhile. */
  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    await this.store.add(batch);
  }

  /** Drops what is counted of these devices and not yet written (their stored rows go with the devices). */
  forget(deviceIds: readonly string[]): void {
    const gone = new Set(deviceIds);
    for (const [key, entry] of this.pending) if (gone.has(entry.deviceId)) this.pending.delete(key);
  }

  async statsOf(deviceId: string): Promise<DeviceRejectionStat[]> {
    await this.flush();
    return this.store.statsOf(deviceId);
  }
}
