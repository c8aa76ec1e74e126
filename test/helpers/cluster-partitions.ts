import type pg from 'pg';
import { PARTITIONS } from '../../gateway/cluster/partition-leases.js';

/**
 * Whether `instances` live gateways hold every partition between them, each its fair share (the
 * rounding leaves the last one a little less): which gateway evaluates whom has settled.
 */
export async function partitionsShared(db: Pick<pg.Pool, 'query'>, instances: number): Promise<boolean> {
  const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM cluster_partitions WHERE lease_until > now() GROUP BY owner');
  const least = PARTITIONS - (instances - 1) * Math.ceil(PARTITIONS / instances);
  return rows.length === instances && rows.every((r) => Number(r.n) >= least) && rows.reduce((n, r) => n + Number(r.n), 0) === PARTITIONS;
}
