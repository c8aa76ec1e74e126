/**
 * A token bucket: up to `capacity` takes at once, refilled at `refillPerS`. Time is a monotonic
 * clock in milliseconds (injectable for tests); budgets are about CPU, not the deployment's clock.
 */
export class TokenBucket {
  private tokens: number;
  private lastMs: number;

  constructor(
    private readonly capacity: number,
    private readonly refillPerS: number,
    private readonly clockMs: () => number,
  ) {
    this.tokens = capacity;
    this.lastMs = clockMs();
  }

  take(): boolean {
    const nowMs = this.clockMs();
    this.tokens = Math.min(this.capacity, this.tokens + ((nowMs - this.lastMs) / 1000) * this.refillPerS);
    this.lastMs = nowMs;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** One bucket per key (a flow), created on first use. */
export class KeyedBudget {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly capacity: number,
    private readonly refillPerS: number,
    private readonly clockMs: () => number,
  ) {}

  take(key: string): boolean {
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = new TokenBucket(this.capacity, this.refillPerS, this.clockMs);
      this.buckets.set(key, bucket);
    }
    return bucket.take();
  }

  /** Forgets flows that are gone (after a deploy), so the map does not grow without bound. */
  retain(keys: ReadonlySet<string>): void {
    for (const key of this.buckets.keys()) if (!keys.has(key)) this.buckets.delete(key);
  }
}
