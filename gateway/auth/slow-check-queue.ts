/**
 * Runs slow checks (a scrypt hash: tens of milliseconds of CPU) a few at a time, with a short
 * bounded line behind them. When the line is full a check is refused at once instead of queued:
 * a flood of logins that need a slow hash cannot take the cores, and whoever is refused tries
 * again later (MQTT's "server unavailable").
 */
export class SlowCheckQueue {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly concurrency: number,
    private readonly maxWaiting: number,
  ) {}

  /** The check's result, or undefined at once when the line is full. */
  async run<T>(check: () => Promise<T>): Promise<T | undefined> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.maxWaiting) return undefined;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await check();
    } finally {
      // The place passes to the next in line, or is given up.
      const next = this.waiting.shift();
      if (next === undefined) this.running--;
      else next();
    }
  }

  get queued(): number {
    return this.waiting.length;
  }
}
