import { describe, expect, it } from 'vitest';
import { CachedRegistry, RegistryError, type Registry } from '../../gateway/registry/registry.js';
import type { RegistryStore } from '../../gateway/registry/registry-store.js';
import type { AdapterFactory } from './adapter.js';

const GRID = { id: 'g3', name: 'Building 3 grid', district: 'Fuxing' };
const RESIDENT = { id: 'r-li', name: 'Li Guiying', grid: 'g3', conditions: ['copd'] };
const BRACELET = { id: 'b-0001', kind: 'bracelet', secret: 'secret-b-0001', resident: 'r-li' };

async function registryError(run: () => unknown): Promise<RegistryError['code']> {
  try {
    await run();
  } catch (err) {
    if (err instanceof RegistryError) return err.code;
    throw err;
  }
  throw new Error('expected a RegistryError');
}

const T0 = Date.parse('2026-12-01T08:00:00Z');
const STORED_BRACELET = { id: 'b-0001', kind: 'bracelet', resident: 'r-li' };

/** A side write the store cannot keep: the record's author is required. */
const UNKEEPABLE = { sharingRecord: { resident: 'r-li', sharing: {}, recordedBy: null as unknown as string, recordedAtMs: T0, basis: 'in_person' as const, formRef: null } };
const RECORDED = { sharingRecord: { resident: 'r-li', sharing: { location: ['family' as const] }, recordedBy: 'w1', recordedAtMs: T0, basis: 'in_person' as const, formRef: null } };

/** The registry as the gateway runs it, over the store; a low hashing cost: the suite checks what is kept, not how hard the hash is. */
const registryOver = (store: RegistryStore): Promise<Registry> => CachedRegistry.open(store, { secretHashCost: 1024 });

export function registryContract(factory: AdapterFactory<RegistryStore>): void {
  describe(`RegistryStore contract: ${factory.name}`, () => {
    const adapter = factory.setup();

    it('keeps entries and device secret hashes written together, across a restart', async () => {
      const store = await adapter.open();
      expect(await store.loadAll()).toEqual({ entries: [], secretHashes: new Map() });
      await store.write(
        {
          upserts: [
            { collection: 'grids', entry: GRID },
            { collection: 'residents', entry: RESIDENT },
            { collection: 'devices', entry: STORED_BRACELET, secretHash: 'hash-of-b-0001' },
          ],
          deletes: [],
        },
        T0,
      );
      const renamed = { ...GRID, name: '3号楼网格' };
      await store.write({ upserts: [{ collection: 'grids', entry: renamed }], deletes: [] }, T0 + 1);
      const again = await (await adapter.reopen()).loadAll();
      const byKey = new Map(again.entries.map((e) => [`${e.collection}/${e.entry.id}`, e.entry]));
      expect(byKey).toEqual(
        new Map<string, unknown>([
          ['grids/g3', renamed],
          ['residents/r-li', RESIDENT],
          ['devices/b-0001', STORED_BRACELET],
        ]),
      );
      expect(again.secretHashes).toEqual(new Map([['b-0001', 'hash-of-b-0001']]));
    });

    it('deletes entries, a device with its secret hash', async () => {
      const store = await adapter.open();
      await store.write({ upserts: [{ collection: 'grids', entry: GRID }, { collection: 'devices', entry: STORED_BRACELET, secretHash: 'h' }], deletes: [] }, T0);
      await store.write({ upserts: [], deletes: [{ collection: 'devices', id: 'b-0001' }, { collection: 'grids', id: 'g9' }] }, T0 + 1);
      const after = await (await adapter.reopen()).loadAll();
      expect(after.entries.map((e) => `${e.collection}/${e.entry.id}`)).toEqual(['grids/g3']);
      expect(after.secretHashes).toEqual(new Map());
    });

    it('writes the side records with the change, and keeps nothing of a change whose side record fails', async () => {
      const store = await adapter.open();
      expect(await store.write({ upserts: [{ collection: 'grids', entry: GRID }], deletes: [] }, T0, RECORDED)).toEqual({});
      const moved = { ...GRID, name: 'moved' };
      const failing = store.write({ upserts: [{ collection: 'grids', entry: moved }, { collection: 'residents', entry: RESIDENT }], deletes: [{ collection: 'grids', id: 'g3' }] }, T0 + 1, UNKEEPABLE);
      await expect(failing).rejects.toThrow();
      expect((await (await adapter.reopen()).loadAll()).entries).toEqual([{ collection: 'grids', entry: GRID }]);
    });

    it('gives entries back in the order first written, an update keeping its place', async () => {
      const store = await adapter.open();
      const grids = ['g5', 'g1', 'g9', 'g3'].map((id) => ({ ...GRID, id }));
      await store.write({ upserts: grids.slice(0, 2).map((entry) => ({ collection: 'grids', entry })), deletes: [] }, T0);
      await store.write({ upserts: grids.slice(2).map((entry) => ({ collection: 'grids', entry })), deletes: [] }, T0 + 1);
      const renamed = { ...GRID, id: 'g5', name: 'renamed' };
      await store.write({ upserts: [{ collection: 'grids', entry: renamed }], deletes: [{ collection: 'grids', id: 'g1' }] }, T0 + 2);
      await store.write({ upserts: [{ collection: 'grids', entry: { ...GRID, id: 'g1' } }], deletes: [] }, T0 + 3);
      const back = await (await adapter.reopen()).loadAll();
      expect(back.entries.map((e) => e.entry.id)).toEqual(['g5', 'g9', 'g3', 'g1']);
    });

    it("keeps a provision load's proofs of secret groups with its entries", async () => {
      const store = await adapter.open();
      expect(await store.loadProofs()).toEqual(new Map());
      const proofs = [
        { bucket: 3, proof: 'proof-3', hashesDigest: 'digest-3', members: new Set(['b-0001', 'b-0002']) },
        { bucket: 7, proof: 'proof-7', hashesDigest: 'digest-7', members: undefined },
      ];
      await store.write({ upserts: [{ collection: 'grids', entry: GRID }], deletes: [], proofs }, T0);
      await store.write({ upserts: [], deletes: [], proofs: [{ ...proofs[0]!, proof: 'proof-3b' }] }, T0 + 1);
      const kept = await (await adapter.reopen()).loadProofs();
      expect(kept).toEqual(new Map([[3, { ...proofs[0], proof: 'proof-3b' }], [7, proofs[1]]]));
    });
  });

  describe(`Registry over the store: ${factory.name}`, () => {
    const stores = factory.setup();
    const adapter = { open: async () => registryOver(await stores.open()), reopen: async () => registryOver(await stores.reopen()) };

    it('creates, then replaces, an entry, its version rising with each write', async () => {
      const registry = await adapter.open();
      const v0 = registry.version;
      expect(await registry.put('grids', GRID)).toMatchObject({ created: true, entry: GRID });
      const v1 = registry.version;
      expect(v1).toBeGreaterThan(v0);
      const renamed = { ...GRID, name: '3号楼网格' };
      expect(await registry.put('grids', renamed)).toMatchObject({ created: false, entry: renamed });
      expect(registry.version).toBeGreaterThan(v1);
      expect(registry.get('grids', 'g3')).toMatchObject(renamed);
      expect(registry.list('grids').map((g) => g.id)).toEqual(['g3']);
      expect(registry.has('grids', 'g3')).toBe(true);
      expect(registry.get('grids', 'g9')).toBeUndefined();
    });

    it('keeps a device secret only as a hash, and tells listeners the secret it confirmed', async () => {
      const registry = await adapter.open();
      const told: [string, string][] = [];
      registry.onSecretConfirmed((id, secret) => told.push([id, secret]));
      await registry.put('grids', GRID);
      await registry.put('residents', RESIDENT);
      await registry.put('devices', BRACELET);
      const device = registry.get('devices', 'b-0001') as Record<string, unknown> | undefined;
      expect(device).toMatchObject({ id: 'b-0001', kind: 'bracelet', resident: 'r-li' });
      expect(device).not.toHaveProperty('secret');
      const hash = registry.secretHashOf('b-0001');
      expect(typeof hash).toBe('string');
      expect(hash).not.toContain('secret-b-0001');
      expect(told).toEqual([['b-0001', 'secret-b-0001']]);
    });

    it('refuses invalid entries and missing references, keeping nothing of them', async () => {
      const registry = await adapter.open();
      const v0 = registry.version;
      expect(await registryError(() => registry.put('grids', { id: 'g3' }))).toBe('invalid');
      expect(await registryError(() => registry.put('residents', RESIDENT))).toBe('missing_reference');
      expect(registry.has('grids', 'g3')).toBe(false);
      expect(registry.has('residents', 'r-li')).toBe(false);
      expect(registry.version).toBe(v0);
    });

    it('refuses to delete what is still referenced, unless deleted together', async () => {
      const registry = await adapter.open();
      await registry.put('grids', GRID);
      await registry.put('residents', RESIDENT);
      await registry.put('devices', BRACELET);
      expect(await registryError(() => registry.delete('residents', 'r-li'))).toBe('in_use');
      await registry.deleteWith(
        [
          { collection: 'residents', id: 'r-li' },
          { collection: 'devices', id: 'b-0001' },
        ],
        {},
      );
      expect(registry.has('residents', 'r-li')).toBe(false);
      expect(registry.has('devices', 'b-0001')).toBe(false);
      expect(await registry.delete('grids', 'g3')).toBe(true);
      expect(await registry.delete('grids', 'g3')).toBe(false);
      const again = await adapter.reopen();
      expect(again.has('residents', 'r-li')).toBe(false);
      expect(again.secretHashOf('b-0001')).toBeUndefined();
    });

    it('writes an entry and what goes alongside it together, or neither', async () => {
      const registry = await adapter.open();
      await registry.put('grids', GRID);
      await registry.put('residents', RESIDENT);
      const v0 = registry.version;
      await expect(registry.replaceWith('residents', { ...RESIDENT, name: 'Li Guiying (moved)' }, UNKEEPABLE)).rejects.toThrow();
      await expect(registry.deleteWith([{ collection: 'residents', id: 'r-li' }], UNKEEPABLE)).rejects.toThrow();
      expect(registry.version).toBe(v0);
      expect(registry.get('residents', 'r-li')).toMatchObject({ name: 'Li Guiying' });
      expect(await registryError(() => registry.replaceWith('grids', { ...GRID, id: 'g9' }, {}))).toBe('not_found');
      expect(await registry.replaceWith('residents', { ...RESIDENT, name: 'Li Guiying (moved)' }, RECORDED)).toMatchObject({ name: 'Li Guiying (moved)' });
      expect(registry.version).toBeGreaterThan(v0);
      const again = await adapter.reopen();
      expect(again.get('residents', 'r-li')).toMatchObject({ name: 'Li Guiying (moved)' });
    });

    it('keeps entries, loads and device secret hashes across a restart', async () => {
      const first = await adapter.open();
      await first.put('grids', GRID);
      const load = first.beginLoad({ residents: [RESIDENT], devices: [BRACELET] });
      expect(await load.commit()).toEqual({ created: 2, updated: 0 });
      const hash = first.secretHashOf('b-0001');
      await first.put('grids', { ...GRID, name: '3号楼网格' });
      const again = await adapter.reopen();
      expect(again.get('grids', 'g3')).toMatchObject({ name: '3号楼网格' });
      expect(again.get('residents', 'r-li')).toMatchObject(RESIDENT);
      expect(again.get('devices', 'b-0001')).toMatchObject({ resident: 'r-li' });
      expect(again.secretHashOf('b-0001')).toBe(hash);
    });
  });
}
