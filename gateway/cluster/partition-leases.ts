import { EventEmitter } from 'node:events';
import type { PoolClient } from 'pg';
import type { Logger } from 'pino';
import { inTransaction, type PostgresPool } from '../store/postgres-database.js';
import { checkFence, LeaseLostError, type Fence } from '../store/fence.js';

/** The community is cut into this many partitions (rows of `cluster_partitions`, migration 2). */
export const PARTITIONS = 64;

/** The partition of a resident, an AED cabinet or a station: FNV-1a of its id, stable across instances and versions. */
export function partitionOf(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % PARTITIONS;
}

export interface LeaseOptions {
  instanceId: string;
  /** How long a lease lasts without renewal: the longest an instance's death leaves its partitions alone. */
  leaseMs: number;
  /** How often leases are renewed and free partitions claimed; well under `leaseMs`. */
  roundMs: number;
  httpUrl?: string;
  /** A monotonic clock (ms) for this instance's own view of its leases. */
  monotonicMs?: () => number;
}


export interface LeaseEvents {
  gained: [partitions: number[]];
  lost: [partitions: number[]];
}

interface Held {
  epoch: number;
}

/**
 * Which partitions of the community this instance evaluates, under leases kept in PostgreSQL with
 * the database's clock (instances' clocks may differ). Each round renews what it holds, gives back
 * what is over its fair share of the live instances, and claims free or expired partitions up to
 * that share. Every claim raises the partition's epoch: a write that pages or changes an alert runs
 * `fenced`, which re-reads the lease inside the write's own transaction and holds it (FOR SHARE) to
 * the commit, so an instance that lost a partition (stalled, cut off) cannot write for it.
 */
export class PartitionLeases {
  readonly events = new EventEmitter<LeaseEvents>();
  private held = new Map<number, Held>();
  /** Monotonic time before the last successful renewal was sent: the leases are sure until then + leaseMs. */
  private renewedAtMs = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private readonly monotonicMs: () => number;
  private beforeGivingBack: (partitions: number[]) => Promise<void> = () => Promise.resolve();

  constructor(
    private readonly pool: PostgresPool,
    private readonly options: LeaseOptions,
    private readonly log: Logger,
  ) {
    this.monotonicMs = options.monotonicMs ?? (() => performance.now());
  }

  get instanceId(): string {
    return this.options.instanceId;
  }

  async start(): Promise<void> {
    await this.pool.query(
      `INSERT INTO cluster_instances (id, http_url) VALUES ($1, $2)
       ON CONFLICT (id) DO UPDATE SET started_at = now(), heartbeat_at = now(), http_url = excluded.http_url, stopped_at = NULL`,
      [this.options.instanceId, this.options.httpUrl ?? null],
    );
    await this.round();
    this.timer = setInterval(() => void this.round(), this.options.roundMs);
    this.timer.unref();
  }

  /**
   * Runs before partitions over the fair share are given back (an instance joined), while they are
   * still held: the residents' latest state is saved for the next holder. A failure gives nothing
   * back this round.
   */
  onGivingBack(save: (partitions: number[]) => Promise<void>): void {
    this.beforeGivingBack = save;
  }

  /** Whether this instance may evaluate the partition now, by its own clock (the database fences the writes). */
  owns(partition: number): boolean {
    return this.held.has(partition) && this.monotonicMs() < this.renewedAtMs + this.options.leaseMs;
  }

  /** The partitions held now, in order. */
  partitions(): number[] {
    return [...this.held.keys()].filter((p) => this.owns(p)).sort((a, b) => a - b);
  }

  /** The lease to write under for the partition; undefined when it is not held now. */
  fenceOf(partition: number): Fence | undefined {
    const held = this.held.get(partition);
    if (held === undefined || !this.owns(partition)) return undefined;
    return { partition, owner: this.options.instanceId, epoch: held.epoch };
  }

  /**
   * Runs `write` in a transaction that first checks, and holds to the commit, this instance's lease
   * on `partition`. Throws LeaseLostError, having written nothing, when the lease is gone.
   */
  async fenced<T>(partition: number, write: (client: PoolClient) => Promise<T>): Promise<T> {
    const fence = this.fenceOf(partition);
    if (fence === undefined) throw new LeaseLostError(partition);
    return inTransaction(this.pool, async (client) => {
      await checkFence(client, fence);
      return write(client);
    });
  }

  /** One renewal and claim round; rounds never overlap. */
  round(): Promise<void> {
    this.running = this.running.then(() => this.roundOnce()).catch((err: unknown) => {
      this.log.warn({ err: (err as Error).message }, 'partition lease round failed');
      this.dropIfExpired();
    });
    return this.running;
  }

  /** Gives every partition back at once (a planned stop): the others need not wait for the leases to run out. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    const given = [...this.held.keys()];
    this.held.clear();
    await this.pool.query(`UPDATE cluster_partitions SET owner = NULL, lease_until = '-infinity' WHERE owner = $1`, [this.options.instanceId]);
    await this.pool.query('UPDATE cluster_instances SET stopped_at = now() WHERE id = $1', [this.options.instanceId]);
    if (given.length > 0) this.events.emit('lost', given);
  }

  private async roundOnce(): Promise<void> {
    const sentAtMs = this.monotonicMs();
    const leaseS = this.options.leaseMs / 1000;
    const me = this.options.instanceId;
    await this.pool.query('UPDATE cluster_instances SET heartbeat_at = now(), stopped_at = NULL WHERE id = $1', [me]);
    const renewed = await this.pool.query<{ partition: number; epoch: string }>(
      `UPDATE cluster_partitions SET lease_until = clock_timestamp() + make_interval(secs => $2)
       WHERE owner = $1 AND lease_until > clock_timestamp() RETURNING partition, epoch`,
      [me, leaseS],
    );
    const next = new Map<number, Held>(renewed.rows.map((r) => [r.partition, { epoch: Number(r.epoch) }]));
    const live = await this.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM cluster_instances WHERE stopped_at IS NULL AND heartbeat_at > clock_timestamp() - make_interval(secs => $1)`,
      [leaseS],
    );
    const share = Math.ceil(PARTITIONS / Math.max(1, Number(live.rows[0]!.n)));
    if (next.size > share) {
      // Over the fair share (an instance joined): the highest partitions go back.
      const surplus = [...next.keys()].sort((a, b) => b - a).slice(0, next.size - share);
      await this.beforeGivingBack(surplus.sort((a, b) => a - b));
      await this.pool.query(`UPDATE cluster_partitions SET owner = NULL, lease_until = '-infinity' WHERE owner = $1 AND partition = ANY($2::int[])`, [me, surplus]);
      for (const p of surplus) next.delete(p);
    } else if (next.size < share) {
      const claimed = await this.pool.query<{ partition: number; epoch: string }>(
        `UPDATE cluster_partitions SET owner = $1, epoch = epoch + 1, lease_until = clock_timestamp() + make_interval(secs => $2)
         WHERE partition IN (
           SELECT partition FROM cluster_partitions WHERE owner IS NULL OR lease_until <= clock_timestamp()
           ORDER BY partition LIMIT $3 FOR UPDATE SKIP LOCKED)
         RETURNING partition, epoch`,
        [me, leaseS, share - next.size],
      );
      for (const r of claimed.rows) next.set(r.partition, { epoch: Number(r.epoch) });
    }
    this.renewedAtMs = sentAtMs;
    this.replace(next);
  }

  /** The database could not be reached: leases past their time are no longer ours to act on. */
  private dropIfExpired(): void {
    if (this.monotonicMs() < this.renewedAtMs + this.options.leaseMs) return;
    this.replace(new Map());
  }

  private replace(next: Map<number, Held>): void {
    const lost = [...this.held.keys()].filter((p) => next.get(p)?.epoch !== this.held.get(p)!.epoch);
    const gained = [...next.keys()].filter((p) => this.held.get(p)?.epoch !== next.get(p)!.epoch);
    this.held = next;
    if (lost.length > 0) this.events.emit('lost', lost.sort((a, b) => a - b));
    if (gained.length > 0) this.events.emit('gained', gained.sort((a, b) => a - b));
  }
}
