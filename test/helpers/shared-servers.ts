import { afterAll, afterEach, beforeAll } from 'vitest';
import { startScratchRedis, type ExternalServer } from './external-server.js';
import { PostgresServer } from './postgres-server.js';

export interface SharedServers {
  readonly postgres: PostgresServer;
  /** Set once the suite's servers are up (in beforeAll). */
  readonly redisUrl: string;
  /** Steps run after each test, last first: gateways, receivers, pools the test started. */
  readonly cleanup: (() => Promise<void> | void)[];
}

/**
 * For a suite of several gateways: one PostgreSQL and one Redis of its own for the whole suite,
 * started together before it and stopped after it, and the clean-up steps run after each test.
 */
export function sharedServersForSuite(): SharedServers {
  const postgres = new PostgresServer();
  let redis: ExternalServer | undefined;
  const servers = { postgres, redisUrl: '', cleanup: [] as (() => Promise<void> | void)[] };
  beforeAll(async () => {
    const [started] = await Promise.all([startScratchRedis(), postgres.start()]);
    redis = started.server;
    servers.redisUrl = started.url;
  }, 120_000);
  afterAll(async () => {
    await redis?.stop();
    await postgres.stop();
  });
  afterEach(async () => {
    for (const step of servers.cleanup.splice(0).reverse()) await step();
  });
  return servers;
}
