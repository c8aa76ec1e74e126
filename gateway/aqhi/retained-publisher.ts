import type { Logger } from 'pino';
import type { FeedBroker } from './aqhi-feed-publisher.js';

/** Something that says when a body changed and can list every current body. */
export interface RetainedSource<T> {
  subscribe(listener: (body: T) => void): () => void;
  all(): Promise<T[]>;
  topicOf(body: T): string;
}

export interface RetainedPublisher {
  /** Publishes every current body, retained, and each change from then on. */
  attachBroker(broker: FeedBroker): void;
  detachBroker(): void;
  close(): void;
}

/**
 * Keeps retained topics current for the index's reports and forecasts. The broker keeps retained
 * messages in memory, so attaching publishes them all again.
 */
export function createRetainedPublisher(sources: readonly RetainedSource<unknown>[], log: Logger): RetainedPublisher {
  let broker: FeedBroker | undefined;
  /** Topics a change was sent on since the broker was attached: a listing read before it is older. */
  const changedSinceAttach = new Set<string>();
  const send = (topic: string, body: unknown): void => {
    broker?.publish(topic, JSON.stringify(body), { qos: 1, retain: true }).catch((err: unknown) => {
      log.warn({ err, topic }, 'publishing a retained index message failed');
    });
  };
  const unsubscribe = sources.map((s) =>
    s.subscribe((body) => {
      const topic = s.topicOf(body);
      changedSinceAttach.add(topic);
      send(topic, body);
    }),
  );
  return {
    attachBroker(next) {
      broker = next;
      changedSinceAttach.clear();
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
    close() {
      broker = undefined;
      for (const off of unsubscribe) off();
    },
  };
}
