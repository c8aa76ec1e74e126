/**
 * Logs the first occurrence of a key at once and then at most once per interval, with the number
 * left out meanwhile: a flow failing on every message must not flood the gateway's log.
 */
export class ThrottledLog {
  private readonly seen = new Map<string, { lastMs: number; suppressed: number }>();

  constructor(
    private readonly intervalMs: number,
    private readonly clockMs: () => number = () => performance.now(),
    private readonly maxKeys = 1000,
  ) {}

  /** Calls `write` with how many were left out since the last line, or does nothing. */
  maybe(key: string, write: (suppressed: number) => void): void {
    const nowMs = this.clockMs();
    const entry = this.seen.get(key);
    if (entry !== undefined && nowMs - entry.lastMs < this.intervalMs) {
      entry.suppressed += 1;
      return;
    }
    if (entry === undefined && this.seen.size >= this.maxKeys) this.seen.delete(this.seen.keys().next().value!);
    this.seen.set(key, { lastMs: nowMs, suppressed: 0 });
    write(entry?.suppressed ?? 0);
  }
}
