import { describe, expect, it } from 'vitest';
import type { SecretStore } from '../../gateway/store/secret-store.js';
import type { AdapterFactory } from './adapter.js';

export function secretStoreContract(factory: AdapterFactory<SecretStore>): void {
  describe(`SecretStore contract: ${factory.name}`, () => {
    const adapter = factory.setup();

    it('makes a long random secret on first use and gives the same one after; names do not share', async () => {
      const store = await adapter.open();
      const ack = await store.secret('ack_link_secret');
      expect(ack).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(await store.secret('ack_link_secret')).toBe(ack);
      expect(await store.secret('emergency_link_secret')).not.toBe(ack);
    });

    it('gives one secret to first uses side by side (the first kept wins)', async () => {
      const store = await adapter.open();
      const all = await Promise.all([1, 2, 3, 4].map(() => store.secret('node_red_credential_secret')));
      expect(new Set(all).size).toBe(1);
    });

    it('keeps secrets across a restart: links signed before it still verify', async () => {
      const first = await adapter.open();
      const before = await first.secret('emergency_link_secret');
      const again = await adapter.reopen();
      expect(await again.secret('emergency_link_secret')).toBe(before);
    });
  });
}
