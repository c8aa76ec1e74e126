/**
 * Flows taken out of service for a while: one of their function nodes ran into its time limit
 * (every such run blocked the whole process for the full limit, and the next message would too),
 * or the flow ran away (a message loop). While paused, neither the gateway's messages nor the
 * flow's own (an inject, a loop) reach the flow's nodes.
 */
export class FlowPauses {
  private readonly untilMs = new Map<string, number>();

  constructor(
    private readonly pauseMs: number,
    private readonly clockMs: () => number = () => performance.now(),
  ) {}

  /** Returns false when the flow was already paused (so the caller reports a pause once). */
  pause(flowId: string): boolean {
    const wasPaused = this.isPaused(flowId);
    if (this.pauseMs > 0) this.untilMs.set(flowId, this.clockMs() + this.pauseMs);
    return !wasPaused && this.pauseMs > 0;
  }

  isPaused(flowId: string): boolean {
    const until = this.untilMs.get(flowId);
    if (until === undefined) return false;
    if (this.clockMs() < until) return true;
    this.untilMs.delete(flowId);
    return false;
  }

  /** A new deploy starts every flow afresh. */
  clear(): void {
    this.untilMs.clear();
  }

  paused(): string[] {
    return [...this.untilMs.keys()].filter((id) => this.isPaused(id));
  }
}
