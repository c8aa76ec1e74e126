import type { PoolClient } from 'pg';

/** A partition's lease as this instance holds it: the writes it makes for the partition carry it. */
export interface Fence {
  partition: number;
  owner: string;
  /** Raised by every claim: a lease lost and claimed again is a different lease. */
  epoch: number;
}

/** Raised when a fenced write finds its lease gone: the write did not happen. */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
  constructor(readonly partition: number) {
    super(`partition ${partition} is no longer this instance's`);
  }
}

/**
 * Inside a write's transaction: checks the lease still stands (owner, epoch, time on the
 * database's clock) and holds it (FOR SHARE) to the commit, so no claim can take it meanwhile.
 */
export async function checkFence(client: Pick<PoolClient, 'query'>, fence: Fence): Promise<void> {
  const { rowCount } = await client.query(
    `SELECT 1 FROM cluster_partitions WHERE partition = $1 AND owner = $2 AND epoch = $3 AND lease_until > clock_timestamp() FOR SHARE`,
    [fence.partition, fence.owner, fence.epoch],
  );
  if (rowCount !== 1) throw new LeaseLostError(fence.partition);
}
