import { SqliteAccessLog } from '../../gateway/audit/access-log.js';
import { ADMIN_TOKEN, startHarness } from '../helpers/gateway-harness.js';

type Log = (line: string) => void;
type Record = (measure: string, value: string) => void;

/**
 * The access log's cost on GET /api/alerts: a worker's list of alerts about residents, read over
 * real HTTP, with the log written (every alert a row or more) and with SqliteAccessLog.record made a
 * no-op, alternating in one run on one gateway, so the difference is the log's own.
 */
export async function accessLogBench(log: Log, record: Record, quick: boolean): Promise<void> {
  const RESIDENTS = quick ? 20 : 200;
  const LIMIT = quick ? 20 : 200;
  const ROUND_MS = quick ? 1_000 : 5_000;
  const CONCURRENCY = 8;
  log(`\n== access log: GET /api/alerts?limit=${LIMIT} by a worker, ${CONCURRENCY} at a time, with and without the log`);
  const harness = await startHarness({
    provision: {
      grids: [{ id: 'g1', name: 'Bench grid', onDuty: ['w1'] }],
      workers: [{ id: 'w1', name: 'Bench worker', grids: ['g1'], channels: [] }],
      residents: Array.from({ length: RESIDENTS }, (_, i) => ({ id: `r${i}`, name: `Resident ${i}`, grid: 'g1', sharing: { location: ['worker'] } })),
    },
  });
  try {
    const service = harness.gateway.alerting.service;
    for (let i = 0; i < RESIDENTS; i++) await service.raise({ kind: 'wandering', severity: 'high', subject: `r${i}`, grid: 'g1', details: { lat: 30.27, lon: 120.16, distanceM: 800 }, occurredAtMs: Date.now() });
    const issued = await fetch(`${harness.httpUrl}/api/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'worker', subject: 'w1' }),
    });
    const token = ((await issued.json()) as { token: string }).token;
    const url = `${harness.httpUrl}/api/alerts?limit=${LIMIT}`;
    const round = async (): Promise<number> => {
      let done = 0;
      const endAt = performance.now() + ROUND_MS;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (performance.now() < endAt) {
            const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
            await res.arrayBuffer();
            if (res.status !== 200) throw new Error(`GET /api/alerts answered ${res.status}`);
            done++;
          }
        }),
      );
      return done / (ROUND_MS / 1000);
    };
    const original = SqliteAccessLog.prototype.record;
    const withLog: number[] = [];
    const without: number[] = [];
    try {
      await round(); // warm-up
      for (let i = 0; i < (quick ? 1 : 3); i++) {
        withLog.push(await round());
        SqliteAccessLog.prototype.record = () => Promise.resolve();
        without.push(await round());
        SqliteAccessLog.prototype.record = original;
      }
    } finally {
      SqliteAccessLog.prototype.record = original;
    }
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
    const a = median(withLog);
    const b = median(without);
    record('GET /api/alerts with the access log', `${a.toFixed(0)} requests/s`);
    record('GET /api/alerts without the access log', `${b.toFixed(0)} requests/s`);
    record('access log cost per alert read', `${(((1 / a - 1 / b) * 1e6) / LIMIT).toFixed(1)} µs (${CONCURRENCY} concurrent, ${LIMIT} alerts a request)`);
  } finally {
    await harness.dispose();
  }
}
