import { SqliteRuleStateStore, type RuleStateStore } from '../../../gateway/alerts/rule-state-store.js';
import { beginProvisionLoad } from '../../../gateway/provision/provision-load.js';
import { openSqliteRegistry } from '../../../gateway/registry/sqlite-registry-store.js';
import { openDatabase, type SqliteDatabase } from '../../../gateway/store/sqlite-database.js';
import { TEST_PROVISION, makeDataDir, writeProvision } from '../../helpers/gateway-harness.js';

/** Loads the test community into a fresh data directory, as a first start would. */
export async function provisionedDataDir(nowMs: number): Promise<string> {
  const dataDir = makeDataDir();
  const file = writeProvision(dataDir, TEST_PROVISION);
  const db = openDatabase(dataDir);
  const registry = await openSqliteRegistry(db, { secretHashCost: 1024, now: () => nowMs });
  const load = beginProvisionLoad(file, registry);
  await load.confirmUnchanged();
  await load.commit();
  db.close();
  return dataDir;
}

/**
 * The gateway's rule-state table behind a gate, as a networked store would be: while held, a
 * write is in flight (not written, not resolved) until released. A kill while holding loses it.
 */
export interface HeldRuleState {
  store: RuleStateStore;
  hold(): void;
  /** Writes what was held, in order, and resolves the writes. */
  release(): void;
  /** The names written, write by write. */
  readonly written: string[][];
}

export function heldRuleState(db: SqliteDatabase): HeldRuleState {
  const sqlite = new SqliteRuleStateStore(db);
  const written: string[][] = [];
  let held: (() => void)[] | undefined;
  const write = (names: string[], run: () => Promise<void>): Promise<void> => {
    const go = (): Promise<void> => {
      written.push(names);
      return run();
    };
    if (held === undefined) return go();
    const queue = held;
    return new Promise<void>((resolve, reject) =>
      queue.push(() => {
        void go().then(resolve, reject);
      }),
    );
  };
  return {
    store: {
      save: (name, state, atMs) => write([name], () => sqlite.save(name, state, atMs)),
      saveMany: (entries, atMs) => write(entries.map(([name]) => name), () => sqlite.saveMany(entries, atMs)),
      delete: (name) => sqlite.delete(name),
      load: (name) => sqlite.load(name),
      loadPrefixed: (prefix) => sqlite.loadPrefixed(prefix),
      loadMany: (names) => sqlite.loadMany(names),
    },
    hold() {
      held = [];
    },
    release() {
      const queue = held ?? [];
      held = undefined;
      for (const go of queue) go();
    },
    written,
  };
}

/** Lets every callback already queued run (promise reactions, then I/O): what could happen has happened. */
export function settled(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
