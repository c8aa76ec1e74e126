import type { GatewayConfig } from '../config/config.js';

/**
 * A sender's name in a shared outbox (pages, emergency messages, 120 handoffs), and how long it
 * holds what it took: several gateways on one database never send the same row, and a dead
 * gateway's rows are another's once the hold ends.
 */
export interface OutboxClaim {
  claimant: string;
  holdMs: number;
}

/**
 * failoverS, or three sends' timeouts when that is longer: a dead gateway's sends are another's
 * within failoverS (at the default 5 s timeout), and a live one keeps what it is sending.
 */
export function outboxClaim(claimant: string, config: Pick<GatewayConfig, 'cluster' | 'pager'>): OutboxClaim {
  return { claimant, holdMs: Math.max(config.cluster.failoverS * 1000, 3 * config.pager.timeoutMs) };
}
