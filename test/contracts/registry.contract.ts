import { describe, expect, it } from 'vitest';
import { RegistryError, type Registry } from '../../gateway/registry/registry.js';
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

export function registryContract(factory: AdapterFactory<Registry>): void {
  describe(`Registry contract: ${factory.name}`, () => {
    const adapter = factory.setup();

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
      registry.deleteWith(
        [
          { collection: 'residents', id: 'r-li' },
          { collection: 'devices', id: 'b-0001' },
        ],
        () => undefined,
      );
      expect(registry.has('residents', 'r-li')).toBe(false);
      expect(registry.has('devices', 'b-0001')).toBe(false);
      expect(registry.delete('grids', 'g3')).toBe(true);
      expect(registry.delete('grids', 'g3')).toBe(false);
    });

    it('writes an entry and what goes alongside it together, or neither', async () => {
      const registry = await adapter.open();
      await registry.put('grids', GRID);
      await registry.put('residents', RESIDENT);
      const failing = () => {
        throw new Error('the record kept alongside could not be written');
      };
      expect(() => registry.replaceWith('residents', { ...RESIDENT, name: 'Li Guiying (moved)' }, failing)).toThrow('alongside');
      expect(() => registry.deleteWith([{ collection: 'residents', id: 'r-li' }], failing)).toThrow('alongside');
      expect(registry.get('residents', 'r-li')).toMatchObject({ name: 'Li Guiying' });
      expect(await registryError(() => registry.replaceWith('grids', { ...GRID, id: 'g9' }, () => undefined))).toBe('not_found');
      const again = await adapter.reopen();
      expect(again.get('residents', 'r-li')).toMatchObject({ name: 'Li Guiying' });
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
