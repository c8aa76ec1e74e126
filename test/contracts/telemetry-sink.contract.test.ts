import { afterAll, beforeAll } from 'vitest';
import { createLogger } from '../../gateway/logger.js';
import { createMetrics } from '../../gateway/metrics.js';
import type { SqliteDatabase } from '../../gateway/store/sqlite-database.js';
import { InfluxTelemetryStore } from '../../gateway/telemetry/influx-telemetry-store.js';
import { SqliteTelemetryStore } from '../../gateway/telemetry/sqlite-telemetry-store.js';
import type { TelemetrySink } from '../../gateway/telemetry/telemetry-store.js';
import { freePort, serverAvailable } from '../helpers/external-server.js';
import { useTempStores } from '../helpers/temp-store.js';
import { VictoriaMetrics } from '../helpers/victoria-metrics.js';
import { waitFor } from '../helpers/wait-for.js';
import { telemetrySinkContract, type ReadBack, type SinkAdapterFactory } from './telemetry-sink.contract.js';

const DAY_MS = 86_400_000;

/** The embedded store of record: a real SQLite file, reopened for a restart. */
const sqlite: SinkAdapterFactory = {
  name: 'SQLite file (store of record)',
  setup() {
    const stores = useTempStores();
    let dir: string | undefined;
    let db: SqliteDatabase | undefined;
    let sink: SqliteTelemetryStore | undefined;
    const make = (at: SqliteDatabase) =>
      new SqliteTelemetryStore(at, { retentionDays: 30, queueLimit: 10_000, flushIntervalMs: 3_600_000, batchSize: 1_000 }, createMetrics(), createLogger('silent'));
    return {
      storeOfRecord: true,
      async open() {
        dir = stores.dir();
        db = stores.open(dir);
        sink = make(db);
        return sink;
      },
      async reopen() {
        await sink!.close();
        db!.close();
        db = stores.open(dir);
        sink = make(db);
        return sink;
      },
      async readBack(deviceId) {
        return sink!.readings(deviceId, { fromMs: Date.now() - DAY_MS, toMs: Date.now() + DAY_MS, limit: 10_000 }).map((r) => ({
          tsMs: r.tsMs,
          values: Object.fromEntries(Object.entries(r.values).map(([k, v]) => [k, typeof v === 'boolean' ? Number(v) : (v as number)])),
        }));
      },
    };
  },
};

/** The InfluxDB client into a real v2 write API (Debian's victoria-metrics), read back through its export API. */
const influx: SinkAdapterFactory = {
  name: 'InfluxDB client into VictoriaMetrics',
  setup() {
    let vm: VictoriaMetrics | undefined;
    let sink: TelemetrySink | undefined;
    const opened: TelemetrySink[] = [];
    beforeAll(async () => {
      vm = new VictoriaMetrics(await freePort());
      await vm.start();
    }, 60_000);
    afterAll(async () => {
      for (const s of opened) await s.close();
      await vm?.stop();
    });
    const make = (): TelemetrySink => {
      const s = new InfluxTelemetryStore(
        { url: vm!.url, token: 'unused', org: 'community', bucket: 'telemetry', maxBufferLines: 10_000, flushIntervalMs: 3_600_000, batchSize: 1_000 },
        createMetrics(),
        createLogger('silent'),
      );
      opened.push(s);
      return s;
    };
    async function readNow(deviceId: string): Promise<ReadBack[]> {
      const byTime = new Map<number, Record<string, number>>();
      for (const series of await vm!.export(`{__name__=~"bracelet_.+", device="${deviceId}"}`)) {
        const field = series.metric.__name__!.slice('bracelet_'.length);
        series.timestamps.forEach((ts, i) => {
          const values = byTime.get(ts) ?? {};
          values[field] = series.values[i]!;
          byTime.set(ts, values);
        });
      }
      return [...byTime.entries()].sort(([a], [b]) => a - b).map(([tsMs, values]) => ({ tsMs, values }));
    }
    return {
      storeOfRecord: false,
      async open() {
        sink = make();
        return sink;
      },
      async reopen() {
        await sink!.close();
        sink = make();
        return sink;
      },
      async readBack(deviceId, atLeast) {
        if (atLeast === 0) return readNow(deviceId);
        // The server indexes a write shortly after answering it: wait for the rows, with a deadline.
        return waitFor(`${atLeast} readings of ${deviceId} in VictoriaMetrics`, async () => {
          const rows = await readNow(deviceId);
          return rows.length >= atLeast ? rows : undefined;
        }, 30_000);
      },
    };
  },
};

telemetrySinkContract(sqlite);
if (serverAvailable('victoria-metrics')) telemetrySinkContract(influx);
