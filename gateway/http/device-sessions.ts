import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SqliteDatabase } from '../store/sqlite-database.js';
import type { Principal, Role } from '../auth/token-store.js';

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

interface Row {
  id: string;
  token_id: string;
  role: Role;
  subject: string | null;
  csrf_hash: string;
  device: string | null;
  created_at_ms: number;
  last_used_at_ms: number;
}

export class DeviceSessions {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => number,
    private readonly tokenActive: (tokenId: string) => boolean,
    readonly settings: DeviceSessionSettings = DEFAULT_SESSION_SETTINGS,
  ) {
    // The table is the store's (migration 13).
  }

  open(principal: Principal, device: string | null): OpenedSession {
    const secret = randomBytes(32).toString('base64url');
    const csrf = randomBytes(24).toString('base64url');
    const id = randomBytes(9).toString('base64url');
    const nowMs = this.now();
    this.db
      .prepare(
        'INSERT INTO device_sessions (id, hash, token_id, role, subject, csrf_hash, device, created_at_ms, last_used_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(id, sha256(secret), principal.tokenId, principal.role, principal.subject, sha256(csrf), device?.slice(0, 200) ?? null, nowMs, nowMs);
    return { id, secret, csrf, expiresAtMs: nowMs + this.settings.maxAgeMs };
  }

  /** The person behind a cookie, or why not: unknown, signed out, idle too long, too old, or its token revoked. */
  resolve(secret: string): SessionPrincipal | { refused: 'unknown' | 'idle' | 'expired' | 'token_revoked' } {
    const row = this.db.prepare('SELECT * FROM device_sessions WHERE hash = ? AND revoked_at_ms IS NULL').get(sha256(secret)) as Row | undefined;
    if (row === undefined) return { refused: 'unknown' };
    const nowMs = this.now();
    const refused =
      nowMs - row.last_used_at_ms > this.settings.idleMs
        ? 'idle'
        : nowMs - row.created_at_ms > this.settings.maxAgeMs
          ? 'expired'
          : !this.tokenActive(row.token_id)
            ? 'token_revoked'
            : undefined;
    if (refused !== undefined) {
      this.db.prepare('UPDATE device_sessions SET revoked_at_ms = ? WHERE id = ?').run(nowMs, row.id);
      return { refused };
    }
    if (nowMs - row.last_used_at_ms >= TOUCH_EVERY_MS) this.db.prepare('UPDATE device_sessions SET last_used_at_ms = ? WHERE id = ?').run(nowMs, row.id);
    return { tokenId: row.token_id, role: row.role, subject: row.subject, sessionId: row.id, csrfHash: row.csrf_hash };
  }

  csrfMatches(session: SessionPrincipal, csrf: string | undefined): boolean {
    return csrf !== undefined && csrf !== '' && sameHash(sha256(csrf), session.csrfHash);
  }

  /** Signs out this device. */
  revoke(sessionId: string): boolean {
    return this.db.prepare('UPDATE device_sessions SET revoked_at_ms = ? WHERE id = ? AND revoked_at_ms IS NULL').run(this.now(), sessionId).changes > 0;
  }

  /** Signs the person out on every device: their subject's sessions, or (admin without one) the token's. */
  revokeAll(principal: Principal): number {
    const nowMs = this.now();
    return principal.subject === null
      ? this.db.prepare('UPDATE device_sessions SET revoked_at_ms = ? WHERE token_id = ? AND revoked_at_ms IS NULL').run(nowMs, principal.tokenId).changes
      : this.db
          .prepare('UPDATE device_sessions SET revoked_at_ms = ? WHERE role = ? AND subject = ? AND revoked_at_ms IS NULL')
          .run(nowMs, principal.role, principal.subject).changes;
  }

  /** The person's live sessions, newest use first. */
  list(principal: Principal, currentId: string | null): SessionSummary[] {
    const rows = (
      principal.subject === null
        ? this.db.prepare('SELECT * FROM device_sessions WHERE token_id = ? AND revoked_at_ms IS NULL ORDER BY last_used_at_ms DESC').all(principal.tokenId)
        : this.db
            .prepare('SELECT * FROM device_sessions WHERE role = ? AND subject = ? AND revoked_at_ms IS NULL ORDER BY last_used_at_ms DESC')
            .all(principal.role, principal.subject)
    ) as Row[];
    const nowMs = this.now();
    return rows
      .filter((r) => nowMs - r.last_used_at_ms <= this.settings.idleMs && nowMs - r.created_at_ms <= this.settings.maxAgeMs)
      .map((r) => ({
        id: r.id,
        device: r.device,
        createdAt: new Date(r.created_at_ms).toISOString(),
        lastUsedAt: new Date(r.last_used_at_ms).toISOString(),
        current: r.id === currentId,
      }));
  }
}
