import type { Logger } from 'pino';
import type { PostgresPool } from '../store/postgres-database.js';
import { listenTo } from '../store/postgres-listener.js';
import type { AqhiFeedPublisher } from './aqhi-feed-publisher.js';
import type { AqhiService } from './aqhi-service.js';
import { AQHI_CHANGED_CHANNEL } from './postgres-aqhi-store.js';

export interface SharedIndexDeps {
  pool: PostgresPool;
  aqhi: AqhiService;
  feed: AqhiFeedPublisher;
  /** Whether this gateway computes the index now (it holds the community's partition). */
  computes: () => boolean;
  log: Logger;
  retryMs?: number;
}

/**
 * Several gateways, one index: the one that computes it writes and publishes the retained feeds;
 * the others hear each stored change (LISTEN aqhi_changed, told at its commit), read it back and
 * show it on their board, API and index stream. News heard while a reading is under way waits and
 * is read in one go. When the connection drops, everything is read again once listening.
 */
export function followSharedIndex(deps: SharedIndexDeps): { close(): Promise<void> } {
  const { aqhi, log } = deps;
  aqhi.computeOnlyWhile(deps.computes);
  deps.feed.publishOnlyWhile(deps.computes);

  const stations = new Set<string>();
  let state = false;
  let reading: Promise<void> | undefined;

  async function readHeard(): Promise<void> {
    while (state || stations.size > 0) {
      const what = { stations: [...stations], state };
      stations.clear();
      state = false;
      try {
        await aqhi.followStored(what);
      } catch (err) {
        // A dropped connection reads everything again when it listens anew.
        log.warn({ err, stations: what.stations }, 'the index another gateway stored could not be read');
      }
    }
  }

  const listener = listenTo(
    deps.pool,
    AQHI_CHANGED_CHANNEL,
    {
      heard(payload) {
        if (deps.computes()) return;
        if (payload === '') state = true;
        else stations.add(payload);
        reading ??= readHeard().finally(() => (reading = undefined));
      },
      listening: () => aqhi.followStored({ stations: 'all', state: true }),
    },
    log,
    deps.retryMs,
  );
  return {
    async close() {
      await listener.close();
      await reading;
    },
  };
}
