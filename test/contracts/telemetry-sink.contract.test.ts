import { afterAll, beforeAll } from 'vitest';
import { createLogger } from '../../gateway/logger.js';
import { createMetrics } from '../../gateway/metrics.js';
import type { SqliteDatabase } from '../../gateway/store/sqlite-database.js';
import { openPostgres, migratePostgres, type PostgresPool } from '../../gateway/store/postgres-database.js';
import { PostgresTelemetryStore } from '../../gateway/telemetry/postgres-telemetry-store.js';
import { InfluxTelemetryStore } from '../../gateway/telemetry/influx-telemetry-store.js';
import { SqliteTelemetryStore } from '../../gateway/telemetry/sqlite-telemetry-store.js';
import type { TelemetrySink } from '../../gateway/telemetry/telemetry-store.js';
import { freePort, serverAvailable } from '../helpers/external-server.js';
import { PostgresServer, postgresAvailable } from '../helpers/postgres-server.js';
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

/** The shared store of record of several gateways: a real PostgreSQL 15 server, read back with SQL. */
const postgres: SinkAdapterFactory = {
  name: 'PostgreSQL (shared store of record)',
  setup() {
    const server = new PostgresServer();
    let pool: PostgresPool | undefined;
    let sink: PostgresTelemetryStore | undefined;
    beforeAll(async () => {
      await server.start();
      pool = openPostgres(await server.createDatabase('telemetry_contract'));
      await migratePostgres(pool);
    }, 120_000);
    afterAll(async () => {
      await sink?.close();
      await pool?.end();
      await server.stop();
    });
    const make = (): PostgresTelemetryStore =>
      new PostgresTelemetryStore(pool!, { retentionDays: 30, queueLimit: 10_000, flushIntervalMs: 3_600_000, batchSize: 1_000 }, createMetrics(), createLogger('silent'));
    return {
      storeOfRecord: true,
      async open() {
        sink = make();
        return sink;
      },
      async reopen() {
        await sink!.close();
        sink = make();
        return sink;
      },
      async readBack(deviceId) {
        const { rows } = await pool!.query<{ ts_ms: string; body: Record<string, number | boolean> }>('SELECT ts_ms, body FROM readings WHERE device_id = $1 ORDER BY ts_ms, seq', [deviceId]);
        return rows.map((r) => ({ tsMs: Number(r.ts_ms), values: Object.fromEntries(Object.entries(r.body).map(([k, v]) => [k, Number(v)])) }));
      },
    };
  },
};

telemetrySinkContract(sqlite);
if (serverAvailable('victoria-metrics')) telemetrySinkContract(influx);
if (postgresAvailable()) telemetrySinkContract(postgres);
