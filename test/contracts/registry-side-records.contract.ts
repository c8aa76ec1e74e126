import { describe, expect, it } from 'vitest';
import type { AlertStore } from '../../gateway/alerts/alert-store.js';
import { DRILL_DEDUP_PREFIX, drillDedupKey } from '../../gateway/alerts/drill-marker.js';
import type { RuleStateStore } from '../../gateway/alerts/rule-state-store.js';
import type { AccessLog } from '../../gateway/audit/access-log.js';
import type { TokenStore } from '../../gateway/auth/token-store.js';
import type { DeviceStateStore } from '../../gateway/ingest/device-state-store.js';
import type { RejectionStore } from '../../gateway/ingest/rejection-store.js';
import type { TelemetryReader, TelemetrySink } from '../../gateway/telemetry/telemetry-store.js';
import type { Departures } from '../../gateway/leaving/departures.js';
import type { DeploymentSettingsStore } from '../../gateway/registry/provision.js';
import type { RegistryChange, RegistryStore, ResidentDeparture, SharingRecord } from '../../gateway/registry/registry-store.js';
import type { SharingRecords } from '../../gateway/sharing/sharing-records.js';
import type { Alert } from '../../rules/safety/index.js';
import type { AdapterFactory } from './adapter.js';

/** The registry's store with the ports that read what it writes alongside its changes, over one database. */
export interface RegistryWithSideRecords {
  registry: RegistryStore;
  sharingRecords: SharingRecords;
  departures: Departures;
  alerts: AlertStore;
  tokens: TokenStore;
  accessLog: AccessLog;
  ruleState: RuleStateStore;
  deploymentSettings: DeploymentSettingsStore;
  deviceState: DeviceStateStore;
  rejections: RejectionStore;
  /** The store of record for readings over the same database; closed by the suite. */
  readings: TelemetrySink & TelemetryReader;
}

const T0 = Date.parse('2026-12-01T08:00:00Z');
const GRID = { id: 'g3', name: 'Building 3 grid', district: 'Fuxing' };
const RESIDENT = { id: 'r-li', name: 'Li Guiying', grid: 'g3', contacts: [{ id: 'fam-li-wei', name: 'Li Wei', relation: 'son', channels: [] }] };
const NEIGHBOUR = { id: 'r-zhang', name: 'Zhang Xiuying', grid: 'g3', contacts: [{ id: 'fam-zhang', name: 'Zhang Min', relation: 'daughter', channels: [] }] };
const BRACELET = { id: 'b-0001', kind: 'bracelet', resident: 'r-li' };

const COMMUNITY: RegistryChange = {
  upserts: [
    { collection: 'grids', entry: GRID },
    { collection: 'residents', entry: RESIDENT },
    { collection: 'residents', entry: NEIGHBOUR },
    { collection: 'devices', entry: BRACELET, secretHash: 'hash-of-b-0001' },
  ],
  deletes: [],
};

function sharingChoice(atMs: number, recordedBy: string): SharingRecord {
  return { resident: 'r-li', sharing: { location: ['worker', 'family'], vitals: ['worker'] }, recordedBy, recordedAtMs: atMs, basis: 'paper_form', formRef: `form-${atMs - T0}` };
}

function alertOf(id: string, subject: string, createdAt: number, changes: Partial<Alert> & { dedupKey?: string } = {}): Alert {
  return {
    id,
    kind: 'fall',
    severity: 'critical',
    state: 'resolved',
    subject,
    grid: 'g3',
    createdAt,
    ackedAt: null,
    resolvedAt: createdAt + 60_000,
    assignee: null,
    occurrences: 1,
    lastOccurredAt: createdAt,
    details: {},
    timeline: [{ atMs: createdAt, type: 'raised', severity: 'critical', occurrence: 1 }],
    ...changes,
  };
}

const LEAVING: RegistryChange = {
  upserts: [],
  deletes: [
    { collection: 'residents', id: 'r-li' },
    { collection: 'devices', id: 'b-0001' },
  ],
};

const departureOf = (by: ResidentDeparture['by']): ResidentDeparture => ({
  residentId: 'r-li',
  grid: 'g3',
  devices: ['b-0001'],
  familyContacts: ['fam-li-wei'],
  by,
  drillDedupPrefix: DRILL_DEDUP_PREFIX,
});

export function registrySideRecordsContract(factory: AdapterFactory<RegistryWithSideRecords>): void {
  describe(`Registry side records contract: ${factory.name}`, () => {
    const adapter = factory.setup();

    it("keeps a resident's sharing choices as recorded, newest last, with the entry that puts them in force, across a restart", async () => {
      const { registry, sharingRecords } = await adapter.open();
      await registry.write(COMMUNITY, T0);
      expect(await sharingRecords.latest('r-li')).toBeUndefined();
      const first = sharingChoice(T0 + 1, 'w-wang');
      const second = { ...sharingChoice(T0 + 2, 'admin'), sharing: { location: ['worker' as const] }, basis: 'in_person' as const, formRef: null };
      const choosing = (record: SharingRecord): RegistryChange => ({ upserts: [{ collection: 'residents', entry: { ...RESIDENT, sharing: record.sharing } as { id: string } }], deletes: [] });
      await registry.write(choosing(first), T0 + 1, { sharingRecord: first });
      await registry.write(choosing(second), T0 + 2, { sharingRecord: second });
      const again = await adapter.reopen();
      expect(await again.sharingRecords.history('r-li')).toEqual([first, second]);
      expect(await again.sharingRecords.latest('r-li')).toEqual(second);
      expect(await again.sharingRecords.history('r-zhang')).toEqual([]);
      const kept = (await again.registry.loadAll()).entries.find((e) => e.entry.id === 'r-li');
      expect(kept?.entry).toEqual({ ...RESIDENT, sharing: second.sharing });
    });

    it("keeps a provision load's deployment settings with its entries, the last load's in force, across a restart", async () => {
      const { registry, deploymentSettings } = await adapter.open();
      expect(await deploymentSettings.read()).toEqual({ timeZone: 'Asia/Shanghai', rules: {} });
      await registry.write(COMMUNITY, T0, { deploymentSettings: { timeZone: 'Asia/Urumqi', rules: { noMotion: { afterS: 7200 } } } });
      const later = { timeZone: 'Asia/Shanghai', rules: { noMotion: { afterS: 5400 } } };
      await registry.write({ upserts: [{ collection: 'grids', entry: { ...GRID, name: '3号楼网格' } as { id: string } }], deletes: [] }, T0 + 1, { deploymentSettings: later });
      const failing = registry.write({ upserts: [], deletes: [{ collection: 'grids', id: 'g3' }] }, T0 + 2, {
        deploymentSettings: { timeZone: 'UTC', rules: {} },
        sharingRecord: { ...sharingChoice(T0 + 2, 'w-wang'), recordedBy: null as unknown as string },
      });
      await expect(failing).rejects.toThrow();
      const again = await adapter.reopen();
      expect(await again.deploymentSettings.read()).toEqual(later);
      expect((await again.registry.loadAll()).entries.find((e) => e.entry.id === 'g3')?.entry).toEqual({ ...GRID, name: '3号楼网格' });
    });

    it('keeps neither the entry nor its sharing record when the record cannot be kept', async () => {
      const { registry } = await adapter.open();
      await registry.write(COMMUNITY, T0);
      const unkeepable = { ...sharingChoice(T0 + 1, 'w-wang'), basis: null as unknown as SharingRecord['basis'] };
      const renamed = { ...RESIDENT, name: 'changed' };
      await expect(registry.write({ upserts: [{ collection: 'residents', entry: renamed }], deletes: [] }, T0 + 1, { sharingRecord: unkeepable })).rejects.toThrow();
      const again = await adapter.reopen();
      expect((await again.registry.loadAll()).entries.find((e) => e.entry.id === 'r-li')?.entry).toEqual(RESIDENT);
      expect(await again.sharingRecords.history('r-li')).toEqual([]);
    });

    it('erases a departing resident with their entries, counting what must stay, across a restart', async () => {
      const stores = await adapter.open();
      await stores.registry.write(COMMUNITY, T0);
      await stores.registry.write({ upserts: [], deletes: [] }, T0 + 1, { sharingRecord: sharingChoice(T0 + 1, 'w-wang') });
      const november = Date.parse('2026-11-20T10:00:00Z');
      await stores.alerts.save(alertOf('a-nov', 'r-li', november), november);
      await stores.alerts.save(alertOf('a-dec', 'r-li', T0, { kind: 'sos' }), T0);
      await stores.alerts.save(alertOf('a-drill', 'r-li', T0, { dedupKey: drillDedupKey('drill-7'), details: { drill: 'drill-7' } }), T0);
      await stores.alerts.save(alertOf('a-zhang', 'r-zhang', T0), T0);
      await stores.ruleState.save('safety:subject:r-li', { lastMotionMs: T0 }, T0);
      await stores.ruleState.save('safety:subject:r-zhang', { lastMotionMs: T0 }, T0);
      const son = await stores.tokens.issue('family', 'fam-li-wei', 'Li Wei');
      const daughter = await stores.tokens.issue('family', 'fam-zhang', 'Zhang Min');
      const leftAt = Date.parse('2026-12-03T09:00:00Z');

      const written = await stores.registry.write(LEAVING, leftAt, { departure: departureOf({ actor: 'w-wang', role: 'worker' }) });
      expect(written).toEqual({ departure: { alertsCounted: 2, readingsRemoved: 0, familyTokensRevoked: 1 } });

      const again = await adapter.reopen();
      const contents = await again.registry.loadAll();
      expect(contents.entries.map((e) => `${e.collection}/${e.entry.id}`).sort()).toEqual(['grids/g3', 'residents/r-zhang']);
      expect(contents.secretHashes).toEqual(new Map());
      for (const id of ['a-nov', 'a-dec', 'a-drill']) expect(await again.alerts.get(id)).toBeUndefined();
      expect(await again.alerts.get('a-zhang')).toBeDefined();
      expect(await again.ruleState.load('safety:subject:r-li')).toBeUndefined();
      expect(await again.ruleState.load('safety:subject:r-zhang')).toEqual({ lastMotionMs: T0 });
      expect(await again.sharingRecords.history('r-li')).toEqual([]);
      expect(await again.tokens.resolve(son.token)).toBeUndefined();
      expect(await again.tokens.resolve(daughter.token)).toMatchObject({ role: 'family', subject: 'fam-zhang' });
      expect(await again.accessLog.query({ resident: 'r-li', limit: 10 })).toEqual([
        { atMs: leftAt, actor: 'w-wang', role: 'worker', resident: 'r-li', category: 'profile', action: 'leave', ground: 'consent' },
      ]);
      expect(await again.departures.counts()).toEqual({
        departures: [{ month: '2026-12', grid: 'g3', count: 1 }],
        alerts: [
          { month: '2026-11', grid: 'g3', kind: 'fall', severity: 'critical', count: 1 },
          { month: '2026-12', grid: 'g3', kind: 'sos', severity: 'critical', count: 1 },
        ],
      });
    });

    it("removes the departing resident's bracelet readings, events, status and refusals, and no one else's", async () => {
      const stores = await adapter.open();
      const zhangsBracelet = { id: 'b-0002', kind: 'bracelet', resident: 'r-zhang' };
      await stores.registry.write(COMMUNITY, T0);
      await stores.registry.write({ upserts: [{ collection: 'devices', entry: zhangsBracelet, secretHash: 'hash-of-b-0002' }], deletes: [] }, T0);
      const day = { fromMs: T0 - 86_400_000, toMs: T0 + 86_400_000, limit: 100 };
      try {
        for (const [device, i] of [['b-0001', 0], ['b-0001', 1], ['b-0001', 2], ['b-0002', 0]] as const) {
          stores.readings.write({ deviceId: device, kind: 'bracelet', tsMs: T0 + i * 1_000, receivedAtMs: T0 + i * 1_000 + 5, values: { hr: 70 + i } });
        }
        await stores.readings.flush();
        for (const device of ['b-0001', 'b-0002']) {
          await stores.deviceState.recordEvent({ deviceId: device, kind: 'bracelet', tsMs: T0, receivedAtMs: T0 + 5, event: { type: 'sos' } });
          await stores.deviceState.recordStatus({ deviceId: device, kind: 'bracelet', tsMs: T0, receivedAtMs: T0 + 5, online: true, bat: 80 });
        }
        await stores.rejections.add(['b-0001', 'b-0002'].map((deviceId) => ({ deviceId, reason: 'schema', count: 2, lastAtMs: T0, lastMessage: 'hr: must be a number' })));

        const written = await stores.registry.write(LEAVING, T0 + 10_000, { departure: departureOf({ actor: 'admin', role: 'admin' }) });
        expect(written.departure).toEqual({ alertsCounted: 0, readingsRemoved: 3, familyTokensRevoked: 0 });
        await stores.deviceState.forget(['b-0001']);
        expect(await stores.readings.readings('b-0001', day)).toEqual([]);
        expect(await stores.readings.readings('b-0002', day)).toHaveLength(1);
        expect(await stores.deviceState.events('b-0001', T0 - 1, T0 + 1, 10)).toEqual([]);
        expect(await stores.deviceState.events('b-0002', T0 - 1, T0 + 1, 10)).toHaveLength(1);
        expect(await stores.deviceState.statusOf('b-0001')).toBeUndefined();
        expect(await stores.deviceState.statusOf('b-0002')).toMatchObject({ online: true });
        expect(await stores.rejections.statsOf('b-0001')).toEqual([]);
        expect(await stores.rejections.statsOf('b-0002')).toHaveLength(1);
      } finally {
        await stores.readings.close();
      }
    });

    it('adds to the counts of the same month and grid', async () => {
      const stores = await adapter.open();
      await stores.registry.write(COMMUNITY, T0);
      await stores.alerts.save(alertOf('a-li', 'r-li', T0), T0);
      await stores.alerts.save(alertOf('a-zhang', 'r-zhang', T0 + 1), T0 + 1);
      await stores.registry.write(LEAVING, T0 + 2, { departure: departureOf({ actor: 'admin', role: 'admin' }) });
      const zhangLeaves = { residentId: 'r-zhang', grid: 'g3', devices: [], familyContacts: ['fam-zhang'], by: { actor: 'admin', role: 'admin' }, drillDedupPrefix: DRILL_DEDUP_PREFIX };
      const written = await stores.registry.write({ upserts: [], deletes: [{ collection: 'residents', id: 'r-zhang' }] }, T0 + 3, { departure: zhangLeaves });
      expect(written.departure).toEqual({ alertsCounted: 1, readingsRemoved: 0, familyTokensRevoked: 0 });
      expect(await stores.departures.counts()).toEqual({
        departures: [{ month: '2026-12', grid: 'g3', count: 2 }],
        alerts: [{ month: '2026-12', grid: 'g3', kind: 'fall', severity: 'critical', count: 2 }],
      });
    });

    it('keeps everything of a resident whose departure fails part way, entries included', async () => {
      const stores = await adapter.open();
      await stores.registry.write(COMMUNITY, T0);
      await stores.registry.write({ upserts: [], deletes: [] }, T0 + 1, { sharingRecord: sharingChoice(T0 + 1, 'w-wang') });
      await stores.alerts.save(alertOf('a-dec', 'r-li', T0), T0);
      await stores.ruleState.save('safety:subject:r-li', { lastMotionMs: T0 }, T0);
      const son = await stores.tokens.issue('family', 'fam-li-wei', 'Li Wei');
      // The access log's row comes last and needs who ended it: everything before it is undone.
      const failing = stores.registry.write(LEAVING, T0 + 2, { departure: departureOf({ actor: null as unknown as string, role: 'worker' }) });
      await expect(failing).rejects.toThrow();

      const again = await adapter.reopen();
      const contents = await again.registry.loadAll();
      expect(contents.entries.map((e) => `${e.collection}/${e.entry.id}`).sort()).toEqual(['devices/b-0001', 'grids/g3', 'residents/r-li', 'residents/r-zhang']);
      expect(contents.secretHashes).toEqual(new Map([['b-0001', 'hash-of-b-0001']]));
      expect(await again.alerts.get('a-dec')).toBeDefined();
      expect(await again.ruleState.load('safety:subject:r-li')).toEqual({ lastMotionMs: T0 });
      expect(await again.sharingRecords.history('r-li')).toHaveLength(1);
      expect(await again.tokens.resolve(son.token)).toMatchObject({ subject: 'fam-li-wei' });
      expect(await again.accessLog.query({ resident: 'r-li', limit: 10 })).toEqual([]);
      expect(await again.departures.counts()).toEqual({ departures: [], alerts: [] });
    });
  });
}
