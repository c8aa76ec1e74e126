import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Principal } from '../auth/token-store.js';
import type { DeviceSessionStore, SessionOwner } from './device-session-store.js';

/*
 * A phone's persistent sign-in: the person pastes their token once; the gateway answers with a
 * device session held in an http-only cookie. It ends when the person signs out (here or
 * everywhere), when it goes unused for `idleMs`, after `maxAgeMs` whatever happens, and when the
 * token it was opened with is revoked. Only hashes are stored; the CSRF token is bound to the
 * session and must come back in a header on every state-changing request.
 */

export interface DeviceSessionSettings {
  /** Unused this long, the session ends (default 14 days). */
  idleMs: number;
  /** The longest a session lives, used or not (default 90 days). */
  maxAgeMs: number;
}

export const DEFAULT_SESSION_SETTINGS: DeviceSessionSettings = { idleMs: 14 * 86_400_000, maxAgeMs: 90 * 86_400_000 };

/** Last use is written at most this often: a busy console must not write on every request. */
const TOUCH_EVERY_MS = 60_000;

export interface OpenedSession {
  id: string;
  /** The cookie's value; shown once. */
  secret: string;
  csrf: string;
  expiresAtMs: number;
}

export interface SessionPrincipal extends Principal {
  sessionId: string;
  csrfHash: string;
}

export interface SessionSummary {
  id: string;
  device: string | null;
  createdAt: string;
  lastUsedAt: string;
  current: boolean;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Whose sessions a principal means: its person, or (admin without a subject) its token. */
const ownerOf = (principal: Principal): SessionOwner => (principal.subject === null ? { tokenId: principal.tokenId } : { role: principal.role, subject: principal.subject });

export class DeviceSessions {
  constructor(
    private readonly store: DeviceSessionStore,
    private readonly now: () => number,
    private readonly tokenActive: (tokenId: string) => boolean | Promise<boolean>,
    readonly settings: DeviceSessionSettings = DEFAULT_SESSION_SETTINGS,
  ) {}

  async open(principal: Principal, device: string | null): Promise<OpenedSession> {
    const secret = randomBytes(32).toString('base64url');
    const csrf = randomBytes(24).toString('base64url');
    const id = randomBytes(9).toString('base64url');
    const nowMs = this.now();
    await this.store.insert({
      id,
      hash: sha256(secret),
      tokenId: principal.tokenId,
      role: principal.role,
      subject: principal.subject,
      csrfHash: sha256(csrf),
      device: device?.slice(0, 200) ?? null,
      createdAtMs: nowMs,
      lastUsedAtMs: nowMs,
    });
    return { id, secret, csrf, expiresAtMs: nowMs + this.settings.maxAgeMs };
  }

  /** The person behind a cookie, or why not: unknown, signed out, idle too long, too old, or its token revoked. */
  async resolve(secret: string): Promise<SessionPrincipal | { refused: 'unknown' | 'idle' | 'expired' | 'token_revoked' }> {
    const session = await this.store.live(sha256(secret));
    if (session === undefined) return { refused: 'unknown' };
    const nowMs = this.now();
    const refused =
      nowMs - session.lastUsedAtMs > this.settings.idleMs
        ? 'idle'
        : nowMs - session.createdAtMs > this.settings.maxAgeMs
          ? 'expired'
          : !(await this.tokenActive(session.tokenId))
            ? 'token_revoked'
            : undefined;
    if (refused !== undefined) {
      await this.store.revoke(session.id, nowMs);
      return { refused };
    }
    if (nowMs - session.lastUsedAtMs >= TOUCH_EVERY_MS) await this.store.touch(session.id, nowMs);
    return { tokenId: session.tokenId, role: session.role, subject: session.subject, sessionId: session.id, csrfHash: session.csrfHash };
  }

  csrfMatches(session: SessionPrincipal, csrf: string | undefined): boolean {
    return csrf !== undefined && csrf !== '' && sameHash(sha256(csrf), session.csrfHash);
  }

  /** Signs out this device. */
  revoke(sessionId: string): Promise<boolean> {
    return this.store.revoke(sessionId, this.now());
  }

  /** Signs the person out on every device: their subject's sessions, or (admin without one) the token's. */
  revokeAll(principal: Principal): Promise<number> {
    return this.store.revokeAll(ownerOf(principal), this.now());
  }

  /** The person's live sessions, newest use first. */
  async list(principal: Principal, currentId: string | null): Promise<SessionSummary[]> {
    const sessions = await this.store.listLive(ownerOf(principal));
    const nowMs = this.now();
    return sessions
      .filter((s) => nowMs - s.lastUsedAtMs <= this.settings.idleMs && nowMs - s.createdAtMs <= this.settings.maxAgeMs)
      .map((s) => ({
        id: s.id,
        device: s.device,
        createdAt: new Date(s.createdAtMs).toISOString(),
        lastUsedAt: new Date(s.lastUsedAtMs).toISOString(),
        current: s.id === currentId,
      }));
  }
}
