import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { DecodedMessage } from '../../sensors/index.js';
import { redisOptions } from '../../broker/redis-state.js';

const CHANNEL_PREFIX = 'gateway:evaluate:';
/** Readings gathered this long go out together: one write for all partitions, not one per reading (a fall never waits here). */
const GATHER_MS = 5;

/** A reading relayed to its partition's holder: the device that sent it and the reading. */
export type RelayedReading = [deviceId: string, message: DecodedMessage];

export interface ReadingRelayEvents {
  /** Readings another gateway relayed for a partition this one listens to. */
  heard(partition: number, readings: RelayedReading[]): void;
}

interface Batch {
  readings: string[];
  sent: Promise<boolean>;
  settle(heard: boolean): void;
}

function partitionOfChannel(channel: string): number {
  return Number(channel.slice(CHANNEL_PREFIX.length));
}

/**
 * Readings on their way from the gateway a bracelet reached to the one that evaluates its
 * partition, over Redis pub/sub: in memory, no write and no read back, where the inbox in
 * PostgreSQL would carry two thirds of every reading a second time with three gateways. At most
 * once: a reading is already stored where it arrived, so what a holder's death loses is that
 * reading's evaluation, never the reading, and never an event (those keep to the inbox). A
 * publication nobody heard (no holder listening, Redis away) says so, and the caller keeps it
 * in the inbox instead.
 */
export class ReadingRelay {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private pending = new Map<number, Batch>();
  private gathering: NodeJS.Timeout | undefined;
  private inFlight = new Set<Promise<unknown>>();
  private closed = false;

  constructor(url: string, events: ReadingRelayEvents, private readonly log: Logger) {
    const options = redisOptions(url);
    // Failing at once while Redis is away: the reading then goes to the inbox, not into a queue here.
    this.publisher = new Redis({ ...options, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    // A subscriber needs neither the ready check nor CLIENT SETINFO, which Redis refuses in subscriber mode (ioredis#2037);
    // a SUBSCRIBE sent while Redis is away waits for it to come back rather than failing.
    this.subscriber = new Redis({ ...options, enableReadyCheck: false, disableClientInfo: true, maxRetriesPerRequest: null });
    for (const connection of [this.publisher, this.subscriber]) connection.on('error', () => undefined);
    this.subscriber.on('message', (channel: string, payload: string) => {
      let readings: RelayedReading[];
      try {
        readings = JSON.parse(payload) as RelayedReading[];
      } catch (err) {
        log.error({ err, channel }, 'a relayed batch of readings could not be read');
        return;
      }
      events.heard(partitionOfChannel(channel), readings);
    });
  }

  /** Resolves true once the partition's holder heard it, false when nobody listens there now or Redis is away. */
  send(partition: number, deviceId: string, message: DecodedMessage): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    let batch = this.pending.get(partition);
    if (batch === undefined) {
      let settle!: (heard: boolean) => void;
      const sent = new Promise<boolean>((resolve) => (settle = resolve));
      batch = { readings: [], sent, settle };
      this.pending.set(partition, batch);
    }
    batch.readings.push(JSON.stringify([deviceId, message]));
    this.gathering ??= setTimeout(() => this.flush(), GATHER_MS);
    return batch.sent;
  }

  /** Listens for the readings of partitions now held. */
  async hold(partitions: readonly number[]): Promise<void> {
    if (partitions.length > 0 && !this.closed) await this.subscriber.subscribe(...partitions.map((p) => CHANNEL_PREFIX + p));
  }

  /** Stops listening for partitions given up. */
  async release(partitions: readonly number[]): Promise<void> {
    if (partitions.length > 0 && !this.closed) await this.subscriber.unsubscribe(...partitions.map((p) => CHANNEL_PREFIX + p));
  }

  /** Sends what is batched (a batch nobody hears settles false), then closes both connections. */
  async close(): Promise<void> {
    this.flush();
    this.closed = true;
    await Promise.all(this.inFlight);
    this.subscriber.disconnect();
    this.publisher.disconnect();
  }

  /** One publication per partition for what was gathered, all in one pipeline. */
  private flush(): void {
    clearTimeout(this.gathering);
    this.gathering = undefined;
    const batches = [...this.pending];
    this.pending = new Map();
    if (batches.length === 0) return;
    const pipeline = this.publisher.pipeline();
    for (const [partition, batch] of batches) pipeline.publish(CHANNEL_PREFIX + partition, `[${batch.readings.join(',')}]`);
    const published = pipeline.exec().then(
      (replies) => {
        // Each reply is [error, listeners]; a publication that failed or that nobody heard settles false.
        batches.forEach(([, batch], i) => {
          const [err, listeners] = replies?.[i] ?? [new Error('no reply')];
          batch.settle(err === null && typeof listeners === 'number' && listeners > 0);
        });
      },
      (err: unknown) => {
        this.log.debug({ err, partitions: batches.length }, 'readings not relayed; kept in the inbox instead');
        for (const [, batch] of batches) batch.settle(false);
      },
    );
    this.inFlight.add(published);
    void published.finally(() => this.inFlight.delete(published));
  }
}
