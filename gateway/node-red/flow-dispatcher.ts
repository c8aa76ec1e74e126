import { KeyedBudget } from './token-bucket.js';

/** What the gateway's source nodes listen to. */
export const FLOW_SOURCES = ['readings', 'events', 'alerts', 'aqhi'] as const;
export type FlowSource = (typeof FLOW_SOURCES)[number];

export type DropReason = 'queue_full' | 'budget' | 'flow_paused' | 'node_red_busy';

/** One source node in a running flow. */
export interface FlowSubscription<M = unknown> {
  /** The tab (flow) the node is on: the unit of budgets and pauses. */
  readonly flowId: string;
  readonly nodeId: string;
  readonly source: FlowSource;
  /** The message for this node, or undefined when its filter does not match the item. */
  select(item: unknown): M | undefined;
  deliver(message: M): void;
}

export interface DispatchObserver {
  delivered(source: FlowSource): void;
  dropped(reason: DropReason, flowId: string | null, source: FlowSource): void;
  deliveryFailed(err: unknown, subscription: FlowSubscription): void;
  queueLength(length: number): void;
}

export interface FlowDispatcherOptions {
  queueLimit: number;
  messagesPerSecondPerFlow: number;
  isPaused(flowId: string): boolean;
  observer: DispatchObserver;
  /** Items handled per event-loop turn before yielding to I/O (ingestion, paging). */
  batchSize?: number;
  clockMs?: () => number;
  schedule?: (run: () => void) => void;
}

interface Queued {
  source: FlowSource;
  item: unknown;
}

/**
 * Hands gateway events to flows without letting flows slow the gateway down: the gateway's
 * emitters only append to a bounded queue (the oldest item goes first when full); the queue is
 * drained later, a batch per event-loop turn; each flow takes at most its message budget per
 * second, and a paused flow takes nothing. A node that throws on delivery is counted, never
 * propagated.
 */
export class FlowDispatcher {
  private readonly subscriptions = new Map<FlowSource, Set<FlowSubscription>>(FLOW_SOURCES.map((s) => [s, new Set()]));
  private queue: Queued[] = [];
  private head = 0;
  private scheduled = false;
  private closed = false;
  private readonly budget: KeyedBudget;
  private readonly batchSize: number;
  private readonly schedule: (run: () => void) => void;

  constructor(private readonly options: FlowDispatcherOptions) {
    const clockMs = options.clockMs ?? (() => performance.now());
    this.budget = new KeyedBudget(options.messagesPerSecondPerFlow, options.messagesPerSecondPerFlow, clockMs);
    this.batchSize = options.batchSize ?? 64;
    this.schedule = options.schedule ?? ((run) => void setImmediate(run));
  }

  subscribe<M>(subscription: FlowSubscription<M>): () => void {
    const stored = subscription as FlowSubscription<unknown>;
    this.subscriptions.get(subscription.source)!.add(stored);
    return () => {
      this.subscriptions.get(subscription.source)!.delete(stored);
      this.budget.retain(this.activeFlows());
    };
  }

  /** The source nodes listening now (for status and tests). */
  listeners(): { flowId: string; nodeId: string; source: FlowSource }[] {
    return [...this.subscriptions.values()].flatMap((set) => [...set].map(({ flowId, nodeId, source }) => ({ flowId, nodeId, source })));
  }

  hasListeners(source: FlowSource): boolean {
    return this.subscriptions.get(source)!.size > 0;
  }

  /** Called from the gateway's event emitters: constant time, never calls into a flow. */
  enqueue(source: FlowSource, item: unknown): void {
    if (this.closed || !this.hasListeners(source)) return;
    if (this.length() >= this.options.queueLimit) {
      const oldest = this.queue[this.head]!;
      this.head += 1;
      this.options.observer.dropped('queue_full', null, oldest.source);
    }
    this.queue.push({ source, item });
    this.options.observer.queueLength(this.length());
    if (!this.scheduled) {
      this.scheduled = true;
      this.schedule(() => this.drain());
    }
  }

  length(): number {
    return this.queue.length - this.head;
  }

  close(): void {
    this.closed = true;
    this.queue = [];
    this.head = 0;
    for (const set of this.subscriptions.values()) set.clear();
    this.options.observer.queueLength(0);
  }

  private drain(): void {
    this.scheduled = false;
    if (this.closed) return;
    for (let n = 0; n < this.batchSize && this.head < this.queue.length; n += 1) {
      const next = this.queue[this.head]!;
      this.head += 1;
      this.dispatch(next);
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.options.observer.queueLength(this.length());
    if (this.length() > 0 && !this.closed) {
      this.scheduled = true;
      this.schedule(() => this.drain());
    }
  }

  private dispatch({ source, item }: Queued): void {
    const { observer } = this.options;
    for (const subscription of [...this.subscriptions.get(source)!]) {
      let message: unknown;
      try {
        message = subscription.select(item);
        if (message === undefined) continue;
        if (this.options.isPaused(subscription.flowId)) {
          observer.dropped('flow_paused', subscription.flowId, source);
          continue;
        }
        if (!this.budget.take(subscription.flowId)) {
          observer.dropped('budget', subscription.flowId, source);
          continue;
        }
        subscription.deliver(message);
        observer.delivered(source);
      } catch (err) {
        observer.deliveryFailed(err, subscription);
      }
    }
  }

  private activeFlows(): Set<string> {
    const flows = new Set<string>();
    for (const set of this.subscriptions.values()) for (const s of set) flows.add(s.flowId);
    return flows;
  }
}
