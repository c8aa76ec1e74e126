import type { Logger } from 'pino';
import type { SseHub } from '../streams/sse-hub.js';
import type { AqhiService } from './aqhi-service.js';
import type { StationIndex } from './feed-schema.js';

/** CONTRACT.md §2: retained, the station's current index, the same body as the REST feed. */
export const aqhiFeedTopic = (stationId: string): string => `feeds/aqhi/${stationId}`;

/** The part of the running broker the feed needs (broker/mqtt-broker.ts RunningBroker). */
export interface FeedBroker {
  publish(topic: string, payload: Buffer | string, options: { qos: 0 | 1; retain?: boolean }): Promise<void>;
}

export interface AqhiFeedPublisher {
  /** Publishes every station's entry, retained, and keeps the topics current from then on. */
  attachBroker(broker: FeedBroker): void;
  /** Stops publishing to the broker (before it closes). */
  detachBroker(): void;
  /**
   * For several gateways sharing one broker (Redis): the retained topics are published only
   * while `publishes()` (this gateway computes the index), so each change goes out once. The SSE
   * stream is fed regardless.
   */
  publishOnlyWhile(publishes: () => boolean): void;
  close(): void;
}

/**
 * Pushes a station's entry to the SSE stream and to `feeds/aqhi/{stationId}` whenever it
 * changes. The broker keeps retained messages in memory, so attaching publishes them all again.
 */
export function createAqhiFeedPublisher(deps: { service: AqhiService; stream: SseHub<StationIndex>; log: Logger }): AqhiFeedPublisher {
  const { service, stream, log } = deps;
  let broker: FeedBroker | undefined;
  let publishes = (): boolean => true;
  const lastSent = new Map<string, string>();

  function toBroker(body: StationIndex, json: string): void {
    if (!publishes()) return;
    broker?.publish(aqhiFeedTopic(body.stationId), json, { qos: 1, retain: true }).catch((err: unknown) => {
      log.warn({ err, stationId: body.stationId }, 'publishing the AQHI feed over MQTT failed');
    });
  }

  function publishIfChanged(body: StationIndex): void {
    const json = JSON.stringify(body);
    if (lastSent.get(body.stationId) === json) return;
    lastSent.set(body.stationId, json);
    stream.publish('index', body);
    toBroker(body, json);
  }

  const onStationChanged = (stationId: string): void => {
    const body = service.stationIndex(stationId);
    if (body !== undefined) publishIfChanged(body);
  };
  // Time alone changes an entry (stale), so each hour every station is looked at again.
  const onTicked = (): void => {
    for (const body of service.feed().stations) publishIfChanged(body);
  };
  service.events.on('stationChanged', onStationChanged);
  service.events.on('ticked', onTicked);

  return {
    attachBroker(next) {
      broker = next;
      for (const body of service.feed().stations) {
        const json = JSON.stringify(body);
        lastSent.set(body.stationId, json);
        toBroker(body, json);
      }
    },
    detachBroker() {
      broker = undefined;
    },
    publishOnlyWhile(predicate) {
      publishes = predicate;
    },
    close() {
      broker = undefined;
      service.events.off('stationChanged', onStationChanged);
      service.events.off('ticked', onTicked);
    },
  };
}
