import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../gateway/logger.js';
import { createMetrics } from '../../gateway/metrics.js';
import { migratePostgres, openPostgres } from '../../gateway/store/postgres-database.js';
import { openDatabase } from '../../gateway/store/sqlite-database.js';
import { PostgresTelemetryStore } from '../../gateway/telemetry/postgres-telemetry-store.js';
import { SqliteTelemetryStore } from '../../gateway/telemetry/sqlite-telemetry-store.js';
import type { TelemetrySink } from '../../gateway/telemetry/telemetry-store.js';
import { PostgresServer } from '../helpers/postgres-server.js';

type Log = (line: string) => void;
type Record = (measure: string, value: string) => void;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Readings a store of record commits per second, as the gateway uses it: every reading waits for
 * its commit (QoS 1), 10,000 bracelets, flushes of `batchSize` started as soon as that many wait.
 * The embedded SQLite file and a real PostgreSQL 15 on the same machine, alternating in one run.
 */
export async function storeBench(log: Log, record: Record, quick: boolean): Promise<void> {
  const READINGS = quick ? 50_000 : 300_000;
  const DEVICES = 10_000;
  log(`\n== store of record: ${READINGS.toLocaleString('en')} readings from ${DEVICES.toLocaleString('en')} bracelets, each acknowledged after its commit`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gw-bench-store-'));
  const server = new PostgresServer();
  await server.start();
  const pool = openPostgres(await server.createDatabase('bench'), { max: 4 });
  await migratePostgres(pool);
  const db = openDatabase(dir);
  const options = { retentionDays: 30, queueLimit: 1_000_000, flushIntervalMs: 100, batchSize: 1_000 };
  const stores: [name: string, make: () => TelemetrySink][] = [
    ['SQLite file', () => new SqliteTelemetryStore(db, options, createMetrics(), createLogger('silent'))],
    ['PostgreSQL 15', () => new PostgresTelemetryStore(pool, options, createMetrics(), createLogger('silent'))],
  ];
  const rates = new Map<string, number[]>(stores.map(([name]) => [name, []]));
  const t0 = Date.now() - 3_600_000;
  let round = 0;
  try {
    for (let run = 0; run < (quick ? 1 : 3); run++) {
      for (const [name, make] of stores) {
        const sink = make();
        round++;
        const startedAt = performance.now();
        let committed = 0;
        let failed = 0;
        await new Promise<void>((resolve) => {
          const done = (err?: Error): void => {
            if (err === undefined) committed++;
            else failed++;
            if (committed + failed === READINGS) resolve();
          };
          // Written in slices of 5,000 with a turn of the event loop between, as sockets would deliver them.
          let i = 0;
          const slice = (): void => {
            for (const end = Math.min(READINGS, i + 5_000); i < end; i++) {
              sink.write({ deviceId: `b-${round}-${i % DEVICES}`, kind: 'bracelet', tsMs: t0 + i, receivedAtMs: t0 + i, values: { hr: 60 + (i % 50), spo2: 95 } }, done);
            }
            if (i < READINGS) setImmediate(slice);
          };
          slice();
        });
        const rate = READINGS / ((performance.now() - startedAt) / 1000);
        await sink.close();
        if (failed > 0) throw new Error(`${name}: ${failed} readings not committed`);
        rates.get(name)!.push(rate);
        log(`  run ${run + 1}: ${name} ${Math.round(rate).toLocaleString('en')} readings/s committed`);
      }
    }
  } finally {
    db.close();
    await pool.end();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const [sqlite, postgres] = stores.map(([name]) => median(rates.get(name)!));
  record('readings/s committed, SQLite file (median)', Math.round(sqlite!).toLocaleString('en'));
  record('readings/s committed, PostgreSQL 15 on the same machine (median)', Math.round(postgres!).toLocaleString('en'));
  record('PostgreSQL / SQLite', (postgres! / sqlite!).toFixed(2));
}
