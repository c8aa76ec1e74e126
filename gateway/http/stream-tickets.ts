import { randomBytes } from 'node:crypto';
import type { Principal } from '../auth/token-store.js';

export interface StreamTicketOptions {
  now: () => number;
  /** Whether the token behind a ticket is still valid when the ticket is used. */
  tokenActive: (tokenId: string) => Promise<boolean>;
  ttlMs?: number;
  /** Unused tickets kept at most; beyond this the oldest are forgotten. */
  maxOutstanding?: number;
}

export interface IssuedStreamTicket {
  ticket: string;
  expiresAtMs: number;
}

/**
 * One-use, short-lived tickets that open an event stream. A browser's EventSource cannot send an
 * Authorization header, and a bearer token in a URL would sit in logs and history for as long as
 * the token lives; a ticket is spent by the request that carries it and expires within a minute.
 * Kept in memory: after a restart the page simply asks for a new one.
 */
export class StreamTickets {
  private readonly outstanding = new Map<string, { principal: Principal; expiresAtMs: number }>();
  private readonly ttlMs: number;
  private readonly maxOutstanding: number;

  constructor(private readonly options: StreamTicketOptions) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.maxOutstanding = options.maxOutstanding ?? 10_000;
  }

  issue(principal: Principal): IssuedStreamTicket {
    const nowMs = this.options.now();
    for (const [ticket, entry] of this.outstanding) if (entry.expiresAtMs <= nowMs) this.outstanding.delete(ticket);
    while (this.outstanding.size >= this.maxOutstanding) {
      const oldest = this.outstanding.keys().next();
      if (oldest.done === true) break;
      this.outstanding.delete(oldest.value);
    }
    const ticket = randomBytes(24).toString('base64url');
    const expiresAtMs = nowMs + this.ttlMs;
    this.outstanding.set(ticket, { principal, expiresAtMs });
    return { ticket, expiresAtMs };
  }

  /** The principal the ticket was issued to, once; undefined when unknown, spent, expired or revoked. */
  async redeem(ticket: string): Promise<Principal | undefined> {
    const entry = this.outstanding.get(ticket);
    if (entry === undefined) return undefined;
    // Spent before anything is awaited: a ticket opens one stream, however fast the second try.
    this.outstanding.delete(ticket);
    if (entry.expiresAtMs <= this.options.now()) return undefined;
    if (!(await this.options.tokenActive(entry.principal.tokenId))) return undefined;
    return entry.principal;
  }
}
