import { describe, expect, it } from 'vitest';
import type { TokenStore } from '../../gateway/auth/token-store.js';
import type { AdapterFactory } from './adapter.js';

export function tokenStoreContract(factory: AdapterFactory<TokenStore>): void {
  describe(`TokenStore contract: ${factory.name}`, () => {
    const adapter = factory.setup();

    it('resolves an issued token to its role and subject, and nothing else', async () => {
      const store = await adapter.open();
      const worker = await store.issue('worker', 'w-zhang', 'Zhang Wei, grid 3');
      const family = await store.issue('family', 'fc-li-ming', null);
      expect(worker.token).not.toBe(family.token);
      expect(worker.id).not.toBe(family.id);
      expect(await store.resolve(worker.token)).toEqual({ tokenId: worker.id, role: 'worker', subject: 'w-zhang' });
      expect(await store.resolve(family.token)).toEqual({ tokenId: family.id, role: 'family', subject: 'fc-li-ming' });
      expect(await store.resolve(`${worker.token}x`)).toBeUndefined();
      expect(await store.resolve(worker.id)).toBeUndefined();
      expect(await store.isActive(worker.id)).toBe(true);
      expect(await store.isActive('no-such-token')).toBe(false);
    });

    it('revokes a token once', async () => {
      const store = await adapter.open();
      const t = await store.issue('responder', 'rsp-wu', null);
      expect(await store.revoke(t.id)).toBe(true);
      expect(await store.revoke(t.id)).toBe(false);
      expect(await store.revoke('no-such-token')).toBe(false);
      expect(await store.resolve(t.token)).toBeUndefined();
      expect(await store.isActive(t.id)).toBe(false);
    });

    it("revokes a role's live tokens for the given subjects only", async () => {
      const store = await adapter.open();
      const a = await store.issue('family', 'fc-1', null);
      const b = await store.issue('family', 'fc-1', null);
      const c = await store.issue('family', 'fc-2', null);
      const d = await store.issue('doctor', 'fc-1', null);
      await store.revoke(b.id);
      expect(await store.revokeSubjects('family', ['fc-1', 'fc-9'])).toBe(1);
      expect(await Promise.all([a, b, c, d].map(async (t) => store.isActive(t.id)))).toEqual([false, false, true, true]);
    });

    it('keeps one configured admin token, replacing an earlier one', async () => {
      const store = await adapter.open();
      expect(await store.hasActiveAdmin()).toBe(false);
      await store.ensureConfiguredAdmin('first-admin-token-0123456789');
      await store.ensureConfiguredAdmin('second-admin-token-0123456789');
      expect(await store.resolve('first-admin-token-0123456789')).toBeUndefined();
      expect(await store.resolve('second-admin-token-0123456789')).toMatchObject({ role: 'admin', subject: null });
      expect(await store.hasActiveAdmin()).toBe(true);
      await store.ensureConfiguredAdmin('second-admin-token-0123456789');
      expect(await store.resolve('second-admin-token-0123456789')).toMatchObject({ role: 'admin' });
    });

    it('keeps tokens and revocations across a restart', async () => {
      const first = await adapter.open();
      const kept = await first.issue('admin', null, 'generated on first start');
      const revoked = await first.issue('worker', 'w-zhang', null);
      await first.revoke(revoked.id);
      const again = await adapter.reopen();
      expect(await again.resolve(kept.token)).toEqual({ tokenId: kept.id, role: 'admin', subject: null });
      expect(await again.resolve(revoked.token)).toBeUndefined();
      expect(await again.hasActiveAdmin()).toBe(true);
    });
  });
}
