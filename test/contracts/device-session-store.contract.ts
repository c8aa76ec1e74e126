import { describe, expect, it } from 'vitest';
import type { DeviceSessionRecord, DeviceSessionStore } from '../../gateway/http/device-session-store.js';
import type { AdapterFactory } from './adapter.js';

const T0 = Date.parse('2026-12-01T08:00:00Z');

function session(id: string, changes: Partial<DeviceSessionRecord> = {}): DeviceSessionRecord {
  return {
    id,
    hash: `hash-of-${id}`,
    tokenId: 'tok-zhang',
    role: 'worker',
    subject: 'w-zhang',
    csrfHash: `csrf-hash-of-${id}`,
    device: 'Zhang Wei’s phone',
    createdAtMs: T0,
    lastUsedAtMs: T0,
    ...changes,
  };
}

export function deviceSessionStoreContract(factory: AdapterFactory<DeviceSessionStore>): void {
  describe(`DeviceSessionStore contract: ${factory.name}`, () => {
    const adapter = factory.setup();

    it('finds a session by its cookie hash until it is signed out, once', async () => {
      const store = await adapter.open();
      await store.insert(session('s-1'));
      expect(await store.live('hash-of-s-1')).toEqual(session('s-1'));
      expect(await store.live('hash-of-nothing')).toBeUndefined();
      expect(await store.revoke('s-1', T0 + 1)).toBe(true);
      expect(await store.revoke('s-1', T0 + 2)).toBe(false);
      expect(await store.revoke('s-none', T0 + 2)).toBe(false);
      expect(await store.live('hash-of-s-1')).toBeUndefined();
    });

    it('refuses a second session with a known cookie hash', async () => {
      const store = await adapter.open();
      await store.insert(session('s-1'));
      await expect(store.insert(session('s-2', { hash: 'hash-of-s-1' }))).rejects.toThrow();
    });

    it("writes the last use, and lists a person's or an admin token's live sessions newest use first", async () => {
      const store = await adapter.open();
      await store.insert(session('s-old'));
      await store.insert(session('s-new'));
      await store.insert(session('s-gone'));
      await store.insert(session('s-other', { subject: 'w-li', tokenId: 'tok-li' }));
      await store.insert(session('s-admin', { role: 'admin', subject: null, tokenId: 'tok-admin' }));
      await store.touch('s-new', T0 + 5_000);
      await store.touch('s-old', T0 + 1_000);
      await store.revoke('s-gone', T0 + 1);
      expect((await store.listLive({ role: 'worker', subject: 'w-zhang' })).map((s) => [s.id, s.lastUsedAtMs])).toEqual([
        ['s-new', T0 + 5_000],
        ['s-old', T0 + 1_000],
      ]);
      expect((await store.listLive({ tokenId: 'tok-admin' })).map((s) => s.id)).toEqual(['s-admin']);
    });

    it("signs out all of a person's sessions, or an admin token's, counting those still signed in", async () => {
      const store = await adapter.open();
      await store.insert(session('s-1'));
      await store.insert(session('s-2', { tokenId: 'tok-zhang-2' }));
      await store.insert(session('s-3'));
      await store.insert(session('s-other', { subject: 'w-li', tokenId: 'tok-li' }));
      await store.insert(session('s-admin', { role: 'admin', subject: null, tokenId: 'tok-admin' }));
      await store.revoke('s-3', T0 + 1);
      expect(await store.revokeAll({ role: 'worker', subject: 'w-zhang' }, T0 + 2)).toBe(2);
      expect(await store.revokeAll({ tokenId: 'tok-admin' }, T0 + 2)).toBe(1);
      expect((await store.listLive({ role: 'worker', subject: 'w-zhang' })).map((s) => s.id)).toEqual([]);
      expect((await store.listLive({ role: 'worker', subject: 'w-li' })).map((s) => s.id)).toEqual(['s-other']);
    });

    it('keeps sessions, their last use and sign-outs across a restart', async () => {
      const first = await adapter.open();
      await first.insert(session('s-kept'));
      await first.insert(session('s-out'));
      await first.touch('s-kept', T0 + 60_000);
      await first.revoke('s-out', T0 + 1);
      const again = await adapter.reopen();
      expect(await again.live('hash-of-s-kept')).toEqual(session('s-kept', { lastUsedAtMs: T0 + 60_000 }));
      expect(await again.live('hash-of-s-out')).toBeUndefined();
    });
  });
}
