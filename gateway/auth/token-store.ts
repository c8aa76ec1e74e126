import { randomUUID } from 'node:crypto';
import type { SqliteDatabase } from '../store/sqlite-database.js';
import { settle } from '../store/settle.js';
import { hashToken, newToken } from './secret-hash.js';

/** `dispatcher`: the 120 emergency centre's system (emergencies only: no residents, no alerts). */
/** `doctor`: a family doctor (own patients); `family`: a resident's contact (one resident). */
export const ROLES = ['admin', 'worker', 'bureau', 'responder', 'dispatcher', 'doctor', 'family'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  tokenId: string;
  role: Role;
  /** The worker, responder or doctor id, or the family contact id, the token speaks for. */
  subject: string | null;
}

/** API tokens: the plain token is shown once, when issued; only its hash is kept. */
export interface TokenStore {
  issue(role: Role, subject: string | null, label: string | null): Promise<{ id: string; token: string }>;
  /** Makes a configured admin token (ADMIN_TOKEN) valid, replacing an earlier configured one. */
  ensureConfiguredAdmin(token: string): Promise<void>;
  hasActiveAdmin(): Promise<boolean>;
  /** Who a live token speaks for; undefined for unknown and revoked tokens. */
  resolve(token: string): Promise<Principal | undefined>;
  /** Whether the token with this id is known and not revoked. */
  isActive(tokenId: string): Promise<boolean>;
  /** Revokes every live token of this role for these subjects (a departed resident's family); how many. */
  revokeSubjects(role: Role, subjects: readonly string[]): Promise<number>;
  /** Whether a live token was revoked (false when unknown or already revoked). */
  revoke(id: string): Promise<boolean>;
}

/**
 * Revokes every live token of this role for these subjects; how many. Also run inside a SQLite
 * transaction of another's (a resident leaving: the family's tokens go with the rest, or nothing does).
 */
export function revokeSubjectTokens(db: SqliteDatabase, role: Role, subjects: readonly string[], atMs: number): number {
  const stmt = db.prepare('UPDATE tokens SET revoked_at_ms = ? WHERE role = ? AND subject = ? AND revoked_at_ms IS NULL');
  let revoked = 0;
  for (const subject of subjects) revoked += stmt.run(atMs, role, subject).changes;
  return revoked;
}

/**
 * API tokens in SQLite, kept as SHA-256 hashes. Each method does its work inside the call and
 * answers with a settled promise.
 */
export class SqliteTokenStore implements TokenStore {
  constructor(
    /** Device sessions keep their table beside the tokens they hang from. */
    readonly db: SqliteDatabase,
    private readonly now: () => number = Date.now,
  ) {}

  issue(role: Role, subject: string | null, label: string | null): Promise<{ id: string; token: string }> {
    return settle(() => {
      const token = newToken();
      const id = randomUUID();
      this.db
        .prepare('INSERT INTO tokens (id, hash, role, subject, label, created_at_ms) VALUES (?, ?, ?, ?, ?, ?)')
        .run(id, hashToken(token), role, subject, label, this.now());
      return { id, token };
    });
  }

  /** Makes a configured admin token (ADMIN_TOKEN) valid, replacing an earlier configured one. */
  ensureConfiguredAdmin(token: string): Promise<void> {
    return settle(() => {
      this.db.transaction(() => {
        this.db.prepare("DELETE FROM tokens WHERE id = 'admin-configured'").run();
        this.db
          .prepare("INSERT INTO tokens (id, hash, role, subject, label, created_at_ms) VALUES ('admin-configured', ?, 'admin', NULL, 'ADMIN_TOKEN', ?) ON CONFLICT (hash) DO NOTHING")
          .run(hashToken(token), this.now());
      })();
    });
  }

  hasActiveAdmin(): Promise<boolean> {
    return settle(() => this.db.prepare("SELECT 1 FROM tokens WHERE role = 'admin' AND revoked_at_ms IS NULL LIMIT 1").get() !== undefined);
  }

  resolve(token: string): Promise<Principal | undefined> {
    return settle(() => {
      const row = this.db.prepare('SELECT id, role, subject FROM tokens WHERE hash = ? AND revoked_at_ms IS NULL').get(hashToken(token)) as
        | { id: string; role: Role; subject: string | null }
        | undefined;
      return row === undefined ? undefined : { tokenId: row.id, role: row.role, subject: row.subject };
    });
  }

  /** Whether the token with this id is known and not revoked. */
  isActive(tokenId: string): Promise<boolean> {
    return settle(() => this.isActiveNow(tokenId));
  }

  /** `isActive` for a synchronous caller on the same database (device sessions, kept beside the tokens). */
  isActiveNow(tokenId: string): boolean {
    return this.db.prepare('SELECT 1 FROM tokens WHERE id = ? AND revoked_at_ms IS NULL').get(tokenId) !== undefined;
  }

  /** Revokes every live token of this role for these subjects (a departed resident's family); how many. */
  revokeSubjects(role: Role, subjects: readonly string[]): Promise<number> {
    return settle(() => revokeSubjectTokens(this.db, role, subjects, this.now()));
  }

  revoke(id: string): Promise<boolean> {
    return settle(() => this.db.prepare('UPDATE tokens SET revoked_at_ms = ? WHERE id = ? AND revoked_at_ms IS NULL').run(this.now(), id).changes > 0);
  }
}
