import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { SqliteDatabase } from './sqlite-database.js';

/** SQLite's own default: a checkpoint once the WAL holds this many pages. */
const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;

// CommonJS on purpose: an eval'd worker runs without the TypeScript loader (tests, npm start).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
const run = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) });
  }
};
const timer = setInterval(run, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface WalCheckpointer {
  stop(): Promise<void>;
}

/**
 * Copies the write-ahead log into the database from a worker thread. SQLite otherwise does it
 * inside whichever commit crosses a thousand pages, with an fsync, on the event loop: tens of
 * milliseconds during which no fall is read and no page is sent. If the worker fails, checkpoints
 * go back to the commits (slower, but the log stays bounded).
 */
export function startWalCheckpointer(db: SqliteDatabase, log: Logger, intervalMs = 1000): WalCheckpointer {
  db.pragma('wal_autocheckpoint = 0');
  const fallBack = (reason: string): void => {
    log.warn({ reason }, 'background checkpoints stopped; the store checkpoints on commit again');
    db.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
  };
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, file: db.name, intervalMs } });
  let stopping = false;
  worker.on('message', (m: { error?: string }) => {
    if (m.error !== undefined) log.warn({ err: m.error }, 'background checkpoint failed; will retry');
  });
  worker.on('error', (err) => fallBack(err.message));
  const exited = new Promise<void>((resolve) => {
    worker.once('exit', (code) => {
      if (!stopping) fallBack(`worker exited (${code})`);
      resolve();
    });
  });
  worker.unref();
  return {
    async stop() {
      if (stopping) return exited;
      stopping = true;
      worker.postMessage('stop');
      await exited;
    },
  };
}
