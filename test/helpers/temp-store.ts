import { rmSync } from 'node:fs';
import { afterEach } from 'vitest';
import { openDatabase, type SqliteDatabase } from '../../gateway/store/sqlite-database.js';
import { makeDataDir } from './gateway-harness.js';

/** Data directories and stores a suite's tests open; closed and removed after each test. */
export function useTempStores(): { dir(): string; open(dir?: string): SqliteDatabase } {
  const dirs: string[] = [];
  const stores: SqliteDatabase[] = [];
  afterEach(() => {
    for (const db of stores.splice(0)) if (db.open) db.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const dir = (): string => {
    const created = makeDataDir();
    dirs.push(created);
    return created;
  };
  return {
    dir,
    open(at = dir()) {
      const db = openDatabase(at);
      stores.push(db);
      return db;
    },
  };
}
