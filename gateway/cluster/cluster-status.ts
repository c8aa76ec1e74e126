import os from 'node:os';
import type { PostgresPool } from '../store/postgres-database.js';
import { PARTITIONS } from './partition-leases.js';

/** `GET /api/cluster` (CONTRACT.md §6): the instances serving the community and what each holds. */
export interface ClusterStatus {
  instances: { id: string; startedAt: string; lastHeartbeatAt: string; partitions: number; live: boolean }[];
  self: string;
}

/** NODE_ID, or the host name and HTTP port. */
export function nodeIdOf(configured: string | undefined, httpPort: number): string {
  return configured ?? `${os.hostname()}:${httpPort}`;
}

/**
 * The name this instance's pager holds page jobs under, known before it listens. Alone on its
 * own store it is always the same, so a restart takes back at once what it held when it died;
 * sharing a database, NODE_ID, or a name no other process on the host has.
 */
export function claimantOf(configured: string | undefined, httpPort: number, shared: boolean): string {
  if (!shared) return 'this-gateway';
  return configured ?? (httpPort === 0 ? `${os.hostname()}:pid-${process.pid}` : nodeIdOf(undefined, httpPort));
}

/** One gateway on its own is the whole community: every partition is its own. */
export function singleInstanceStatus(self: string, startedAtMs: number, nowMs: number): ClusterStatus {
  return {
    instances: [{ id: self, startedAt: new Date(startedAtMs).toISOString(), lastHeartbeatAt: new Date(nowMs).toISOString(), partitions: PARTITIONS, live: true }],
    self,
  };
}

/** Several gateways on one PostgreSQL: instances, last heartbeat and the partitions each holds now. */
export async function sharedClusterStatus(pool: PostgresPool, self: string, leaseMs: number): Promise<ClusterStatus> {
  const { rows } = await pool.query<{ id: string; started_at: Date; heartbeat_at: Date; live: boolean; partitions: string }>(
    `SELECT i.id, i.started_at, i.heartbeat_at,
       (i.stopped_at IS NULL AND i.heartbeat_at > clock_timestamp() - make_interval(secs => $1)) AS live,
       (SELECT count(*) FROM cluster_partitions p WHERE p.owner = i.id AND p.lease_until > clock_timestamp()) AS partitions
     FROM cluster_instances i ORDER BY i.id`,
    [leaseMs / 1000],
  );
  return {
    instances: rows.map((r) => ({ id: r.id, startedAt: r.started_at.toISOString(), lastHeartbeatAt: r.heartbeat_at.toISOString(), partitions: Number(r.partitions), live: r.live })),
    self,
  };
}
