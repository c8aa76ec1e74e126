import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EvaluationInbox, INBOX_DEFAULTS } from '../../gateway/cluster/evaluation-inbox.js';
import { migratePostgres, openPostgres, type PostgresPool } from '../../gateway/store/postgres-database.js';
import { PostgresServer, postgresAvailable } from '../helpers/postgres-server.js';

const READING = { channel: 'telemetry', reading: { deviceId: 'b-0001', kind: 'bracelet', tsMs: 1, receivedAtMs: 1, values: { hr: 72 } } } as const;
const FALL = { channel: 'events', event: { deviceId: 'b-0002', kind: 'bracelet', tsMs: 2, receivedAtMs: 2, event: { type: 'fall', confidence: 0.9 } } } as const;

// The inbox between the gateway a device reached and the one that evaluates its partition, on a real PostgreSQL.
describe.skipIf(!postgresAvailable())('the evaluation inbox', () => {
  const server = new PostgresServer();
  let pool: PostgresPool;

  beforeAll(async () => {
    await server.start();
    pool = openPostgres(await server.createDatabase('inbox'));
    await migratePostgres(pool);
  }, 120_000);
  afterAll(async () => {
    await pool?.end();
    await server.stop();
  });

  it('keeps what was forwarded until written off, events before the readings ahead of them, and closes once its write is kept', async () => {
    const inbox = new EvaluationInbox(pool, INBOX_DEFAULTS, pino({ level: 'silent' }));
    const kept = [inbox.forward(7, 'b-0001', READING as never, 1), inbox.forward(7, 'b-0002', FALL as never, 2)];
    // Closed while the batch is being written: it waits for the write, it does not spin.
    await inbox.close();
    await Promise.all(kept);
    await expect(inbox.forward(7, 'b-0001', READING as never, 3)).rejects.toThrow(/stopping/);

    const taken = await inbox.take([7]);
    expect(taken.map((m) => m.deviceId)).toEqual(['b-0002', 'b-0001']);
    expect(await inbox.take([8])).toEqual([]);
    await inbox.done(taken.map((m) => m.id));
    expect(await inbox.take([7])).toEqual([]);
  }, 60_000);
});
