import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { secretProgressLog } from '../../gateway/build-gateway.js';
import { createDeviceAuthenticator } from '../../gateway/auth/device-authenticator.js';
import { hashSecret, verifySecret } from '../../gateway/auth/secret-hash.js';
import { SlowCheckQueue } from '../../gateway/auth/slow-check-queue.js';
import { openSqliteRegistry } from '../../gateway/registry/sqlite-registry-store.js';
import { PROOF_BUCKETS, bucketOf, type SecretHasher } from '../../gateway/registry/secret-proofs.js';
import type { SqliteDatabase } from '../../gateway/store/sqlite-database.js';
import { SimulatedDevice } from '../../firmware-sim/device-client.js';
import { SECRETS, TEST_PROVISION, makeDataDir, startHarness, type Harness } from '../helpers/gateway-harness.js';
import { useTempStores } from '../helpers/temp-store.js';

const COST = 1024;
const stores = useTempStores();

/** Real scrypt, counted: how many slow hashes a load costs is what this file is about. */
function countingHasher() {
  const calls = { hash: 0, verify: 0 };
  const hasher: SecretHasher = {
    hash: (secret, cost) => {
      calls.hash++;
      return hashSecret(secret, cost);
    },
    verify: (secret, stored) => {
      calls.verify++;
      return verifySecret(secret, stored);
    },
  };
  return { calls, hasher };
}

function provision(devices: number, secretOf: (i: number) => string = (i) => `secret-${i}`) {
  return {
    stations: [{ id: 's1', name: 'Riverside', lat: 30.27, lon: 120.16, district: 'd1' }],
    devices: Array.from({ length: devices }, (_, i) => ({ id: `air-${String(i).padStart(4, '0')}`, kind: 'air', secret: secretOf(i), station: 's1' })),
  };
}

/** A start: a new registry over the same store, as buildGateway opens one. */
async function load(db: SqliteDatabase, file: ReturnType<typeof provision>) {
  const counted = countingHasher();
  const registry = await openSqliteRegistry(db, { secretHashCost: COST, hasher: counted.hasher });
  const announced = new Map<string, string>();
  registry.onSecretConfirmed((id, secret) => announced.set(id, secret));
  const progress: [number, number][] = [];
  await registry.beginLoad(file, (settled, total) => progress.push([settled, total])).commit();
  return { registry, calls: counted.calls, announced, progress };
}

const groupsOf = (file: ReturnType<typeof provision>): number => new Set(file.devices.map((d) => bucketOf(d.id))).size;
const storedHashes = (db: SqliteDatabase): Map<string, string> =>
  new Map((db.prepare('SELECT device_id, hash FROM device_secrets').all() as { device_id: string; hash: string }[]).map((r) => [r.device_id, r.hash]));

describe('provisioned device secrets on a start', () => {
  it('are confirmed with one slow hash per group of devices, not one per device', async () => {
    const db = stores.open();
    const file = provision(300);
    const groups = groupsOf(file);
    expect(groups).toBeLessThanOrEqual(PROOF_BUCKETS);

    const first = await load(db, file);
    // The first load hashes every secret, and one proof per group.
    expect(first.calls).toEqual({ hash: 300 + groups, verify: 0 });
    const hashes = storedHashes(db);

    const second = await load(db, file);
    expect(second.calls).toEqual({ hash: 0, verify: groups });
    expect(storedHashes(db)).toEqual(hashes);
    // Every secret was confirmed, and each still checks against its own hash.
    expect(second.announced.size).toBe(300);
    expect(second.announced.get('air-0007')).toBe('secret-7');
    expect(await verifySecret('secret-7', second.registry.secretHashOf('air-0007')!)).toBe(true);
  });

  it('reports how many secrets are settled as it goes, up to all of them', async () => {
    const db = stores.open();
    const first = await load(db, provision(50));
    expect(first.progress).toHaveLength(50);
    expect(first.progress.map(([settled]) => settled)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(first.progress.every(([, total]) => total === 50)).toBe(true);
    const second = await load(db, provision(50));
    // A group at a time, once its proof holds.
    expect(second.progress.at(-1)).toEqual([50, 50]);
    expect(second.progress.length).toBe(groupsOf(provision(50)));
  });

  it('checks device by device only the group of a changed secret, and stores the new one', async () => {
    const db = stores.open();
    const file = provision(300);
    await load(db, file);
    const changed = provision(300, (i) => (i === 42 ? 'a-new-secret' : `secret-${i}`));
    const group = changed.devices.filter((d) => bucketOf(d.id) === bucketOf('air-0042')).length;

    const after = await load(db, changed);
    // One proof per group, then each device of the stale group, then the new secret and the group's new proof.
    expect(after.calls).toEqual({ verify: groupsOf(file) + group, hash: 2 });
    expect(await verifySecret('a-new-secret', after.registry.secretHashOf('air-0042')!)).toBe(true);
    expect(await verifySecret('secret-42', after.registry.secretHashOf('air-0042')!)).toBe(false);

    const again = await load(db, changed);
    expect(again.calls).toEqual({ hash: 0, verify: groupsOf(file) });
  });

  it('checks next, and once, a device that connects while its group is checked, and answers its CONNECT with that check', async () => {
    const db = stores.open();
    const file = provision(300);
    await load(db, file);
    // The largest group, made stale by one changed secret; a device at its end in file order asks to connect.
    const largest = [...Array(PROOF_BUCKETS).keys()].map((b) => file.devices.filter((d) => bucketOf(d.id) === b)).sort((a, b) => b.length - a.length)[0]!;
    const group = largest.sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(group.length).toBeGreaterThan(availableParallelism() + 2);
    const changedId = group[0]!.id;
    const asking = group[group.length - 1]!;
    const changed = { ...file, devices: file.devices.map((d) => (d.id === changedId ? { ...d, secret: 'a-new-secret' } : d)) };

    // Device checks wait until released (the groups' proofs do not): what order they start in is the point.
    const started: string[] = [];
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const hasher: SecretHasher = {
      hash: hashSecret,
      verify: async (secret, stored) => {
        if (!/^[0-9a-f]{64}$/.test(secret)) {
          started.push(secret);
          await released;
        }
        return verifySecret(secret, stored);
      },
    };
    const registry = await openSqliteRegistry(db, { secretHashCost: COST, hasher });
    let slowChecks = 0;
    const auth = createDeviceAuthenticator(registry, new SlowCheckQueue(2, 16), () => slowChecks++);
    registry.onSecretConfirmed(auth.remember);
    const loading = registry.beginLoad(changed);
    await loading.confirmUnchanged();

    const connecting = auth.authenticate(asking.id, asking.id, asking.secret);
    const wrong = auth.authenticate(group[1]!.id, group[1]!.id, 'not-its-secret');
    release();
    expect(await connecting).toBe('ok');
    expect(await wrong).toBe('bad_secret');
    await loading.commit();
    // Its own check by the load, right after those already under way; none by the authenticator but the wrong secret's.
    expect(started.filter((s) => s === asking.secret)).toHaveLength(1);
    expect(started.indexOf(asking.secret)).toBeLessThanOrEqual(Math.max(2, availableParallelism()));
    expect(slowChecks).toBe(1);
    // A device of the group the load checked without being asked is remembered: no slow check at its CONNECT.
    expect(await auth.authenticate(group[2]!.id, group[2]!.id, group[2]!.secret)).toBe('ok');
    expect(slowChecks).toBe(1);
  });

  it('puts the file back in force over a secret changed through the API since the last load', async () => {
    const db = stores.open();
    const file = provision(40);
    const { registry } = await load(db, file);
    await registry.put('devices', { ...file.devices[3], secret: 'set-by-api' });

    const after = await load(db, file);
    expect(await verifySecret('secret-3', after.registry.secretHashOf('air-0003')!)).toBe(true);
    expect(await verifySecret('set-by-api', after.registry.secretHashOf('air-0003')!)).toBe(false);
  });

  it('does not trust a proof that does not check: every device of its group is checked', async () => {
    const db = stores.open();
    const file = provision(40);
    await load(db, file);
    const bucket = bucketOf('air-0005');
    db.prepare('UPDATE secret_proofs SET proof = ? WHERE bucket = ?').run(await hashSecret('something else', COST), bucket);

    const after = await load(db, file);
    const inGroup = file.devices.filter((d) => bucketOf(d.id) === bucket).length;
    expect(after.calls).toEqual({ verify: groupsOf(file) + inGroup, hash: 1 });
    expect(await verifySecret('secret-5', after.registry.secretHashOf('air-0005')!)).toBe(true);
  });

  it('does not let a proof vouch for a stored hash that changed since it was made', async () => {
    const db = stores.open();
    const file = provision(40);
    await load(db, file);
    // The hash changed behind the registry's back; the file still says secret-5.
    db.prepare('UPDATE device_secrets SET hash = ? WHERE device_id = ?').run(await hashSecret('another-secret', COST), 'air-0005');

    const after = await load(db, file);
    expect(await verifySecret('secret-5', after.registry.secretHashOf('air-0005')!)).toBe(true);
    expect(await verifySecret('another-secret', after.registry.secretHashOf('air-0005')!)).toBe(false);
  });

  it('adds new devices with a slow hash each, the devices already in their groups still confirmed by the proofs', async () => {
    const db = stores.open();
    await load(db, provision(300));
    const grown = provision(310);
    const joined = new Set(grown.devices.slice(300).map((d) => bucketOf(d.id)));
    const after = await load(db, grown);
    expect(await verifySecret('secret-305', after.registry.secretHashOf('air-0305')!)).toBe(true);
    // One check per saved proof, nothing device by device; a hash per new device and per group it joined.
    expect(after.calls).toEqual({ verify: groupsOf(provision(300)), hash: 10 + joined.size });
    const again = await load(db, grown);
    expect(again.calls).toEqual({ verify: groupsOf(grown), hash: 0 });
  });

  it('checks device by device a group one of whose devices the file leaves out (its secret cannot be checked)', async () => {
    const db = stores.open();
    const file = provision(300);
    await load(db, file);
    const leftOut = file.devices.find((d) => file.devices.filter((o) => bucketOf(o.id) === bucketOf(d.id)).length >= 3)!;
    const without = { ...file, devices: file.devices.filter((d) => d.id !== leftOut.id) };
    const after = await load(db, without);
    const left = without.devices.filter((d) => bucketOf(d.id) === bucketOf(leftOut.id)).length;
    // Every other group by its proof; this one's proof is not even tried: each device left, and a new proof.
    expect(after.calls).toEqual({ verify: groupsOf(file) - 1 + left, hash: 1 });
  });

  it('still takes a proof saved before proofs listed their devices, for the whole group as the file gives it', async () => {
    const db = stores.open();
    const file = provision(40);
    await load(db, file);
    db.prepare('UPDATE secret_proofs SET members = NULL').run();
    const after = await load(db, file);
    expect(after.calls).toEqual({ verify: groupsOf(file), hash: 0 });
    // Saved again with their devices listed: a device added next costs only its own hash.
    expect(db.prepare('SELECT COUNT(*) AS n FROM secret_proofs WHERE members IS NULL').get()).toEqual({ n: 0 });
    const grown = await load(db, provision(41));
    expect(grown.calls.verify).toBe(groupsOf(file));
  });
});

describe('a fleet reconnecting after a restart', () => {
  const open: Harness[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((h) => h.stop()));
  });

  it('connects without a slow hash per device, and a wrong secret is still refused', async () => {
    const dataDir = makeDataDir();
    const first = await startHarness({ dataDir });
    open.push(first);
    await first.stop();
    open.pop();

    const second = await startHarness({ dataDir });
    open.push(second);
    const slowChecks = async (): Promise<number> => (await second.gateway.metrics.secretSlowChecks.get()).values[0]?.value ?? 0;
    for (const device of TEST_PROVISION.devices) {
      const client = await SimulatedDevice.connect({ id: device.id, secret: SECRETS[device.id]!, url: second.mqttUrl });
      await client.close();
    }
    expect(await slowChecks()).toBe(0);
    await expect(SimulatedDevice.connect({ id: 'b-0001', secret: 'not-the-secret', url: second.mqttUrl })).rejects.toMatchObject({ code: 4 });
    expect(await slowChecks()).toBe(0);
  });
});

describe('the start log while secrets are checked', () => {
  it('says how far it got every five seconds, and nothing for a load done within five', () => {
    const lines: string[] = [];
    const log = { info: (_fields: object, line: string) => lines.push(line) } as unknown as Logger;
    let nowMs = 0;
    const slow = secretProgressLog(log, () => nowMs);
    for (let settled = 1; settled <= 10_000; settled++) {
      nowMs += 2; // 20 s for the whole load
      slow(settled, 10_000);
    }
    expect(lines).toEqual([
      'device secrets checked: 2500 of 10000',
      'device secrets checked: 5000 of 10000',
      'device secrets checked: 7500 of 10000',
      'device secrets checked: 10000 of 10000',
    ]);

    lines.length = 0;
    const quick = secretProgressLog(log, () => nowMs);
    for (let settled = 1; settled <= 64; settled++) quick(settled, 64);
    expect(lines).toEqual([]);
  });
});
