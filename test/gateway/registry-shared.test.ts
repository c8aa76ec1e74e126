import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CachedRegistry, RegistryError } from '../../gateway/registry/registry.js';
import { openPostgresRegistry, PostgresRegistryStore } from '../../gateway/registry/postgres-registry-store.js';
import { PostgresSharingRecords } from '../../gateway/sharing/postgres-sharing-records.js';
import { migratePostgres, openPostgres, type PostgresPool } from '../../gateway/store/postgres-database.js';
import { PostgresServer, postgresAvailable } from '../helpers/postgres-server.js';
import { waitFor } from '../helpers/wait-for.js';

const GRID = { id: 'g3', name: 'Building 3 grid', district: 'Fuxing' };
const RESIDENT = { id: 'r-li', name: 'Li Guiying', grid: 'g3' };
const OPTIONS = { secretHashCost: 1024 };

async function refusal(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (err) {
    if (err instanceof RegistryError) return err.code;
    throw err;
  }
  throw new Error('expected a RegistryError');
}

describe.runIf(postgresAvailable())('one registry for several gateways on PostgreSQL 15', () => {
  const server = new PostgresServer();
  const pools: PostgresPool[] = [];
  const opened: CachedRegistry[] = [];
  let databases = 0;
  let url = '';

  beforeAll(() => server.start(), 120_000);
  afterEach(async () => {
    for (const registry of opened.splice(0)) registry.close();
    for (const pool of pools.splice(0)) await pool.end();
  });
  afterAll(() => server.stop());

  const community = async (): Promise<void> => {
    url = await server.createDatabase(`registry_${++databases}`);
    await migratePostgres(connect());
  };
  const connect = (): PostgresPool => {
    const pool = openPostgres(url, { onError: () => undefined });
    pools.push(pool);
    return pool;
  };
  /** A gateway's registry: following the others every 50 ms, or (followEveryMs 0) only when its own write is refused. */
  const gateway = async (followEveryMs = 50): Promise<CachedRegistry> => {
    const registry = followEveryMs > 0 ? await openPostgresRegistry(connect(), { ...OPTIONS, followEveryMs }) : await CachedRegistry.open(new PostgresRegistryStore(connect()), OPTIONS);
    opened.push(registry);
    return registry;
  };

  it("shows every gateway another's writes: a new resident, her sharing choice with its record, her leaving", async () => {
    await community();
    const a = await gateway();
    const b = await gateway();
    await a.put('grids', GRID);
    await a.put('residents', RESIDENT);
    await waitFor("gateway B's copy has Li Guiying", () => b.get('residents', 'r-li'), 20_000);
    expect(b.get('grids', 'g3')).toMatchObject(GRID);

    const sharing = { location: ['family' as const] };
    const versionBefore = a.version;
    await b.replaceWith('residents', { ...RESIDENT, sharing }, { sharingRecord: { resident: 'r-li', sharing, recordedBy: 'w-wang', recordedAtMs: 1, basis: 'in_person', formRef: null } });
    await waitFor("gateway A's copy has her choice", () => (a.get('residents', 'r-li')?.sharing === undefined ? undefined : true), 20_000);
    expect(a.get('residents', 'r-li')?.sharing).toEqual(sharing);
    expect(a.version).toBeGreaterThan(versionBefore);
    expect(await new PostgresSharingRecords(connect()).latest('r-li')).toMatchObject({ recordedBy: 'w-wang', sharing });

    await b.put('devices', { id: 'b-0001', kind: 'bracelet', secret: 'secret-b-0001', resident: 'r-li' });
    await waitFor("gateway A knows her bracelet's secret hash", () => a.secretHashOf('b-0001'), 20_000);
    expect(a.secretHashOf('b-0001')).toBe(b.secretHashOf('b-0001'));
    await a.deleteWith(
      [
        { collection: 'residents', id: 'r-li' },
        { collection: 'devices', id: 'b-0001' },
      ],
      {},
    );
    await waitFor('gateway B no longer has her', () => (b.has('residents', 'r-li') ? undefined : true), 20_000);
    expect(b.has('devices', 'b-0001')).toBe(false);
    expect(b.secretHashOf('b-0001')).toBeUndefined();
    // Back again, in a new place in the list: every copy lists the entries in the same order.
    await b.put('grids', { ...GRID, id: 'g1' });
    await b.put('residents', RESIDENT);
    await waitFor('gateway A has her again', () => a.get('residents', 'r-li'), 20_000);
    await waitFor("gateway A has B's new grid", () => a.get('grids', 'g1'), 20_000);
    expect(a.list('grids').map((g) => g.id)).toEqual(b.list('grids').map((g) => g.id));
    const late = await gateway();
    expect(late.list('grids').map((g) => g.id)).toEqual(['g3', 'g1']);
  });

  it("hears another gateway's write as it commits, without waiting for the next look, and again after the connection is lost", async () => {
    await community();
    // Looking only once in ten minutes: what arrives sooner came by the database's notice.
    const a = await gateway(600_000);
    const b = await gateway(600_000);
    await a.put('grids', GRID);
    await waitFor('gateway B has the grid', () => b.get('grids', 'g3'), 20_000);
    // Every connection of the listening gateway's database session cut, as a database restart would.
    const admin = connect();
    const cut = await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'LISTEN registry_changed' AND pid <> pg_backend_pid()");
    expect(cut.rowCount).toBe(2);
    await a.put('residents', RESIDENT);
    await waitFor('gateway B has Li Guiying after listening again', () => b.get('residents', 'r-li'), 20_000);
  });

  it('takes the same provision file loaded by two gateways starting together on an empty database, once', async () => {
    await community();
    const a = await gateway();
    const b = await gateway();
    const file = { grids: [GRID], residents: [RESIDENT], devices: [{ id: 'b-0001', kind: 'bracelet', secret: 'secret-b-0001', resident: 'r-li' }] };
    const loads = [a.beginLoad(file), b.beginLoad(file)];
    await Promise.all(loads.map((load) => load.confirmUnchanged()));
    const results = await Promise.all(loads.map((load) => load.commit({ deploymentSettings: { timeZone: 'Asia/Shanghai', rules: {} } })));
    // The second to write found the first's entries when it checked again: it created none of them.
    expect(results.map((r) => r.created).sort()).toEqual([0, 3]);
    const late = await gateway(0);
    expect(late.list('grids').map((g) => g.id)).toEqual(['g3']);
    expect(late.list('residents').map((r) => r.id)).toEqual(['r-li']);
    // Each hashed the secret on its own; the copies agree on the one kept last.
    const kept = late.secretHashOf('b-0001');
    await waitFor('both copies have the hash kept', () => (a.secretHashOf('b-0001') === kept && b.secretHashOf('b-0001') === kept) || undefined, 20_000);
  });

  it('checks a write made on an old copy again, against what the other gateway wrote meanwhile', async () => {
    await community();
    const a = await gateway(0);
    await a.put('grids', GRID);
    const b = await gateway(0);
    // B still has the grid empty when A adds a resident to it: deleting the grid is refused once B has read again.
    await a.put('residents', RESIDENT);
    expect(b.has('residents', 'r-li')).toBe(false);
    expect(await refusal(() => b.delete('grids', 'g3'))).toBe('in_use');
    expect(b.get('residents', 'r-li')).toMatchObject(RESIDENT);
    // A's copy is now behind B's reading only, not a write: A's next write goes through at once.
    await a.put('grids', { ...GRID, name: '3号楼网格' });
    // B deletes the resident; A, not knowing, would bind a bracelet to her: refused once A has read again.
    await b.delete('residents', 'r-li');
    expect(await refusal(() => a.put('devices', { id: 'b-0001', kind: 'bracelet', secret: 'secret-b-0001', resident: 'r-li' }))).toBe('missing_reference');
    expect(a.has('residents', 'r-li')).toBe(false);
    const again = await gateway(0);
    expect(again.list('residents')).toEqual([]);
    expect(again.get('grids', 'g3')).toMatchObject({ name: '3号楼网格' });
  });
});
