import { describe, expect, it } from 'vitest';
import type { RuleStateStore } from '../../gateway/alerts/rule-state-store.js';
import type { AdapterFactory } from './adapter.js';

const T0 = Date.parse('2026-12-01T08:00:00Z');

export function ruleStateStoreContract(factory: AdapterFactory<RuleStateStore>): void {
  describe(`RuleStateStore contract: ${factory.name}`, () => {
    const adapter = factory.setup();

    it('gives back exactly the plain data saved, and undefined for a name never saved', async () => {
      const store = await adapter.open();
      const state = { version: 1, clockMs: T0, subjects: { 'res-li-guiying': { silenceSinceMs: T0 - 5, worn: null, nested: [1, 'two', { three: true }] } } };
      await store.save('safety', state, T0);
      expect(await store.load('safety')).toEqual(state);
      expect(await store.load('aed')).toBeUndefined();
    });

    it('replaces an entry saved again under the same name', async () => {
      const store = await adapter.open();
      await store.save('safety', { n: 1 }, T0);
      await store.save('safety', { n: 2 }, T0 + 1);
      expect(await store.load('safety')).toEqual({ n: 2 });
    });

    it('saves several entries together, or none when one cannot be saved', async () => {
      const store = await adapter.open();
      await store.saveMany([['safety/r1', { a: 1 }], ['safety/r2', { b: 2 }]], T0);
      expect(await store.load('safety/r1')).toEqual({ a: 1 });
      expect(await store.load('safety/r2')).toEqual({ b: 2 });
      // A BigInt has no JSON form: the second entry fails, so the first must not be kept either.
      await expect(async () => store.saveMany([['safety/r1', { a: 10 }], ['safety/r3', { c: 10n }]], T0 + 1)).rejects.toThrow();
      expect(await store.load('safety/r1')).toEqual({ a: 1 });
      expect(await store.load('safety/r3')).toBeUndefined();
    });

    it('lists the entries under a prefix by the rest of their names, and nothing else', async () => {
      const store = await adapter.open();
      await store.saveMany([['safety/r1', 1], ['safety/r2', 2], ['safetyx', 3], ['aed', 4]], T0);
      expect(await store.loadPrefixed('safety/')).toEqual(new Map([['r1', 1], ['r2', 2]]));
      expect(await store.loadPrefixed('none/')).toEqual(new Map());
    });

    it('reads several entries by name, leaving out the names never saved', async () => {
      const store = await adapter.open();
      await store.saveMany([['safety:subject:r1', { a: 1 }], ['safety:subject:r2', { b: 2 }], ['safety:subject:r3', 3]], T0);
      expect(await store.loadMany(['safety:subject:r1', 'safety:subject:r3', 'safety:subject:never'])).toEqual(
        new Map<string, unknown>([['safety:subject:r1', { a: 1 }], ['safety:subject:r3', 3]]),
      );
      expect(await store.loadMany([])).toEqual(new Map());
    });

    it('forgets a deleted entry', async () => {
      const store = await adapter.open();
      await store.saveMany([['safety/r1', 1], ['safety/r2', 2]], T0);
      await store.delete('safety/r1');
      await store.delete('never-saved');
      expect(await store.load('safety/r1')).toBeUndefined();
      expect(await store.loadPrefixed('safety/')).toEqual(new Map([['r2', 2]]));
    });

    it('keeps every entry across a restart', async () => {
      const first = await adapter.open();
      await first.save('safety', { clockMs: T0 }, T0);
      await first.saveMany([['aed/c1', { door: 'open' }]], T0);
      await first.delete('gone');
      const again = await adapter.reopen();
      expect(await again.load('safety')).toEqual({ clockMs: T0 });
      expect(await again.loadPrefixed('aed/')).toEqual(new Map([['c1', { door: 'open' }]]));
    });
  });
}
