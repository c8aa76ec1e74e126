import type { Logger } from 'pino';
import type { FeedBroker } from './aqhi-feed-publisher.js';

/** Something that says when a body changed and can list every current body. */
export interface RetainedSource<T> {
  /** `madeHere`: a change only this gateway knows of (a report it issued, a forecast put through it), published even when it is not the one that publishes. */
  subscribe(listener: (body: T, madeHere: boolean) => void): () => void;
  all(): Promise<T[]>;
  topicOf(body: T): string;
}

export interface RetainedPublisher {
  /** Publishes every current body, retained, and each change from then on. */
  attachBroker(broker: FeedBroker): void;
  detachBroker(): void;
  /** Several gateways on one broker: what every gateway makes alike (the hourly forecasts) is published only while `publishes()`. */
  publishOnlyWhile(publishes: () => boolean): void;
  close(): void;
}

/**
 * Keeps retained topics current for the index's reports and forecasts. The broker keeps retained
 * messages in memory, so attaching publishes them all again.
 */
export function createRetainedPublisher(sources: readonly RetainedSource<unknown>[], log: Logger): RetainedPublisher {
  let broker: FeedBroker | undefined;
  let publishes = (): boolean => true;
  /** Topics a change was sent on since the broker was attached: a listing read before it is older. */
  const changedSinceAttach = new Set<string>();
  const send = (topic: string, body: unknown): void => {
    broker?.publish(topic, JSON.stringify(body), { qos: 1, retain: true }).catch((err: unknown) => {
      log.warn({ err, topic }, 'publishing a retained index message failed');
    });
  };
  const unsubscribe = sources.map((s) =>
    s.subscribe((body, madeHere) => {
      if (!madeHere && !publishes()) return;
      const topic = s.topicOf(body);
      changedSinceAttach.add(topic);
      send(topic, body);
    }),
  );
  return {
    attachBroker(next) {
      broker = next;
      changedSinceAttach.clear();
      if (!publishes()) return;
      for (const s of sources) {
        s.all().then(
          (bodies) => {
            for (const body of bodies) if (!changedSinceAttach.has(s.topicOf(body))) send(s.topicOf(body), body);
          },
          (err: unknown) => log.warn({ err }, 'reading the retained index messages failed'),
        );
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
      for (const off of unsubscribe) off();
    },
  };
}
