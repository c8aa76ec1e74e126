import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { planRun, usableAedsNear, type AedSite } from '../../rules/aed/index.js';
import { ADMIN_TOKEN, startHarness } from '../helpers/gateway-harness.js';
import { seededRandom } from '../helpers/seeded-random.js';

/*
 * Emergency created → first responder page, with a city's worth registered: 1,000 responders and
 * 4,200 AEDs (Hangzhou's count) over a 20 × 20 km area. The clock starts before the centre's POST
 * and stops when the page reaches a real HTTP receiver. Then the cost of choosing the AED for one
 * responder at that size: the usable AEDs near the patient (once per planning step) and the
 * route choice per responder.
 */

const CENTRE = { lat: 30.27, lon: 120.16 };
const SPAN_DEG = 0.18; // about 20 km

type Log = (line: string) => void;
type Record = (measure: string, value: string) => void;

function percentile(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export async function emergencyBench(log: Log, record: Record, quick: boolean): Promise<void> {
  const EMERGENCIES = quick ? 50 : 300;
  log(`\n== emergency to first responder page: 1,000 responders, 4,200 AEDs, ${EMERGENCIES} emergencies`);
  const random = seededRandom(21);
  const spot = () => ({ lat: CENTRE.lat + (random() - 0.5) * SPAN_DEG, lon: CENTRE.lon + (random() - 0.5) * SPAN_DEG });

  /** When the first page of each emergency arrived. */
  const firstPageAt = new Map<string, number>();
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      res.writeHead(200).end('{}');
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { emergencyId?: string };
      if (body.emergencyId !== undefined && !firstPageAt.has(body.emergencyId)) firstPageAt.set(body.emergencyId, at);
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

  const aeds: AedSite[] = Array.from({ length: 4200 }, (_, i) => ({ id: `a${i}`, ...spot(), grid: 'g1', accessHours: i % 3 === 0 ? { 'mon-sun': '08:00-20:00' } : '24/7' }));
  const provision = {
    timeZone: 'Asia/Shanghai',
    grids: [{ id: 'g1', name: 'City', district: 'd1', onDuty: [] }],
    aeds,
    responders: Array.from({ length: 1000 }, (_, i) => ({ id: `v${i}`, name: `Volunteer ${i}`, certifiedUntil: '2030-01-01', available: true, ...spot(), channels: [{ type: 'webhook', url: `${url}/v${i}` }] })),
  };
  const h = await startHarness({ provision, overrides: { logLevel: 'silent' } });
  const dispatcher = (await h.api('POST', '/api/tokens', { role: 'dispatcher' })).body.token as string;
  const latencies: number[] = [];
  const answered: number[] = [];
  let unanswered = 0;
  try {
    for (let i = 0; i < EMERGENCIES; i++) {
      const at = spot();
      const started = performance.now();
      const response = await fetch(`${h.httpUrl}/api/emergencies`, {
        method: 'POST',
        headers: { authorization: `Bearer ${dispatcher}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ref: `bench-${i}`, kind: 'cardiac_arrest', ...at }),
      });
      const body = (await response.json()) as { id: string; responders: unknown[] };
      answered.push(performance.now() - started);
      if (body.responders.length === 0) unanswered += 1;
      else {
        const deadline = performance.now() + 5_000;
        while (!firstPageAt.has(body.id) && performance.now() < deadline) await new Promise((r) => setImmediate(r));
        const arrived = firstPageAt.get(body.id);
        if (arrived !== undefined) latencies.push(arrived - started);
      }
      // Closed, so its responders are free for the next one.
      await h.api('POST', `/api/emergencies/${body.id}/close`, {}, ADMIN_TOKEN);
    }
  } finally {
    await h.dispose();
    receiver.closeAllConnections();
    receiver.close();
  }
  record('emergency POST answered, p50', `${percentile(answered, 50).toFixed(1)} ms`);
  record('emergency to first page, p50', `${percentile(latencies, 50).toFixed(1)} ms`);
  record('emergency to first page, p99', `${percentile(latencies, 99).toFixed(1)} ms (target < 50 ms)`);
  record('emergencies with someone to page', `${latencies.length} of ${EMERGENCIES} (${unanswered} with nobody within 1 km)`);

  // The AED choice alone, in process: usable AEDs near the patient, then one responder's route.
  const nowMs = Date.parse('2026-11-23T02:00:00Z');
  const ROUNDS = quick ? 200 : 2000;
  const patients = Array.from({ length: ROUNDS }, spot);
  const froms = Array.from({ length: ROUNDS }, spot);
  let t = performance.now();
  const options = patients.map((patient) => usableAedsNear({ aeds, states: {}, patient, withinM: 1000, nowMs, timeZone: 'Asia/Shanghai' }));
  const nearUs = ((performance.now() - t) * 1000) / ROUNDS;
  t = performance.now();
  for (let i = 0; i < ROUNDS; i++) planRun(froms[i]!, patients[i]!, options[i]!, new Set());
  const planUs = ((performance.now() - t) * 1000) / ROUNDS;
  const mean = options.reduce((s, o) => s + o.length, 0) / ROUNDS;
  record('usable AEDs near a patient (of 4,200)', `${nearUs.toFixed(0)} µs per planning step (${mean.toFixed(1)} usable within 1 km on average)`);
  record('route choice per responder', `${planUs.toFixed(1)} µs`);
}
