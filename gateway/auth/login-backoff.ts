export interface LoginBackoffOptions {
  now: () => number;
  /** Wrong credentials an address may send before it has to wait. */
  freeFailures: number;
  /** The first wait; each further failure doubles it. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** An address with no failure for this long starts again from nothing. */
  forgetAfterMs: number;
  /** Addresses remembered at most; beyond this the longest quiet ones are forgotten. */
  maxAddresses: number;
}

interface Record_ {
  failures: number;
  lastFailureAtMs: number;
  blockedUntilMs: number;
}

/**
 * Exponential back-off on failed logins, per address. Only failures count: an address whose
 * callers hold valid tokens is never slowed, however often it calls. A success does not wipe an
 * address's failures (a caller with one valid token could otherwise keep guessing another); they
 * are forgotten after `forgetAfterMs` without a failure. While an address waits, every credential
 * it sends is refused unread, so a guess costs the guesser the wait whether it was right or not.
 */
export class LoginBackoff {
  /** Insertion order is the order of the last failure: the first entry is the longest quiet. */
  private readonly addresses = new Map<string, Record_>();

  constructor(private readonly options: LoginBackoffOptions) {}

  /** How long this address must still wait before a credential is looked at; 0 when it need not. */
  waitMs(address: string): number {
    const record = this.addresses.get(address);
    if (record === undefined) return 0;
    const nowMs = this.options.now();
    if (nowMs - record.lastFailureAtMs >= this.options.forgetAfterMs) {
      this.addresses.delete(address);
      return 0;
    }
    return Math.max(0, record.blockedUntilMs - nowMs);
  }

  /** Records a wrong credential; returns the wait it earned (0 while within the free failures). */
  failed(address: string): number {
    const nowMs = this.options.now();
    const previous = this.addresses.get(address);
    const stale = previous !== undefined && nowMs - previous.lastFailureAtMs >= this.options.forgetAfterMs;
    const failures = (previous === undefined || stale ? 0 : previous.failures) + 1;
    const over = failures - this.options.freeFailures;
    const waitMs = over <= 0 ? 0 : Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** Math.min(over - 1, 30));
    this.addresses.delete(address);
    this.addresses.set(address, { failures, lastFailureAtMs: nowMs, blockedUntilMs: nowMs + waitMs });
    while (this.addresses.size > this.options.maxAddresses) {
      const oldest = this.addresses.keys().next();
      if (oldest.done === true) break;
      this.addresses.delete(oldest.value);
    }
    return waitMs;
  }

  /** Addresses currently made to wait (for /metrics). */
  waiting(): number {
    const nowMs = this.options.now();
    let count = 0;
    for (const record of this.addresses.values()) if (record.blockedUntilMs > nowMs) count++;
    return count;
  }
}
