import { statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../gateway/logger.js';
import { startWalCheckpointer } from '../../gateway/store/wal-checkpointer.js';
import { useTempStores } from '../helpers/temp-store.js';
import { waitFor } from '../helpers/wait-for.js';

describe('checkpoints off the event loop', () => {
  const stores = useTempStores();

  it('commits no longer checkpoint; the worker copies the log into the database file', async () => {
    const dir = stores.dir();
    const db = stores.open(dir);
    const file = path.join(dir, 'gateway.db');
    const checkpointer = startWalCheckpointer(db, createLogger('silent'), 20);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    const before = statSync(file).size;
    db.exec('CREATE TABLE filler (body TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO filler (body) VALUES (?)');
    // About 8 MB: well past the thousand pages at which a commit would checkpoint by itself.
    db.transaction(() => {
      for (let i = 0; i < 2000; i++) insert.run('x'.repeat(4000));
    })();
    await waitFor('the database file to hold the committed rows', () => statSync(file).size > before + 7_000_000);
    await checkpointer.stop();
    // Stopping is not a failure: commits are not told to checkpoint again.
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    expect(db.prepare('SELECT COUNT(*) AS n FROM filler').get()).toEqual({ n: 2000 });
  });
});
