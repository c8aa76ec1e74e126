/**
 * At most one position notice per responder per emergency every `everyMs`: the first move is told
 * at once, later ones within the interval are held, and the latest is told when the interval is
 * over (`due`), so the centre always learns where a responder stopped. Kept in memory: after a
 * restart a responder's next move is told at once (one notice early at most).
 */
export class PositionThrottle {
  private readonly lastSentMs = new Map<string, number>();
  private readonly held = new Set<string>();

  constructor(private readonly everyMs: number) {}

  /** A responder moved: true when the notice goes now, false when it is held for later. */
  moved(emergencyId: string, responderId: string, nowMs: number): boolean {
    const key = `${emergencyId}\u0000${responderId}`;
    const last = this.lastSentMs.get(key);
    if (last === undefined || nowMs - last >= this.everyMs) {
      this.lastSentMs.set(key, nowMs);
      this.held.delete(key);
      return true;
    }
    this.held.add(key);
    return false;
  }

  /** Held notices whose interval is over, now marked sent. */
  due(nowMs: number): { emergencyId: string; responderId: string }[] {
    const ready: { emergencyId: string; responderId: string }[] = [];
    for (const key of this.held) {
      if (nowMs - (this.lastSentMs.get(key) ?? 0) < this.everyMs) continue;
      this.held.delete(key);
      this.lastSentMs.set(key, nowMs);
      const [emergencyId = '', responderId = ''] = key.split('\u0000');
      ready.push({ emergencyId, responderId });
    }
    return ready;
  }

  /** The emergency is over: nothing more to tell about it. */
  forget(emergencyId: string): void {
    for (const key of [...this.lastSentMs.keys()]) {
      if (!key.startsWith(`${emergencyId}\u0000`)) continue;
      this.lastSentMs.delete(key);
      this.held.delete(key);
    }
  }
}
