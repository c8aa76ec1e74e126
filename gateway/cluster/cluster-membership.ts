import type { Logger } from 'pino';
import type { PostgresPool } from '../store/postgres-database.js';
import { sharedClusterStatus, type ClusterStatus } from './cluster-status.js';
import { PartitionLeases } from './partition-leases.js';

export interface ClusterMembership {
  status(): Promise<ClusterStatus>;
  /** Gives its partitions back at once and says it stopped: the others need not wait for its leases. */
  leave(): Promise<void>;
}

/**
 * This gateway as one instance of several on one PostgreSQL: its heartbeat and its fair share of
 * the partitions under leases renewed three times a lease, for `GET /api/cluster`. A dead
 * holder's partitions are taken within `failoverS`: the rest of its lease, then a survivor's next
 * round, so the lease is `failoverS` less one round.
 */
export async function joinCluster(
  pool: PostgresPool,
  options: { nodeId: string; failoverS: number; httpUrl: string },
  log: Logger,
  /** Hears the leases before the first round takes any. */
  follow: (leases: PartitionLeases, leaseMs: number) => void,
): Promise<ClusterMembership> {
  const roundMs = Math.max(500, Math.floor((options.failoverS * 1000) / 4));
  const leaseMs = options.failoverS * 1000 - roundMs;
  const leases = new PartitionLeases(pool, { instanceId: options.nodeId, leaseMs, roundMs, httpUrl: options.httpUrl }, log);
  leases.events.on('gained', (partitions) => log.info({ partitions: partitions.length }, 'partitions taken'));
  leases.events.on('lost', (partitions) => log.warn({ partitions: partitions.length }, 'partitions lost'));
  follow(leases, leaseMs);
  await leases.start();
  return {
    status: () => sharedClusterStatus(pool, options.nodeId, leaseMs),
    leave: () => leases.stop(),
  };
}
