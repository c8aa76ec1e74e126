import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startHarness, type Harness } from '../helpers/gateway-harness.js';

/**
 * No route answers 500 for any query: every GET route the OpenAPI document lists (and the hidden
 * pages), with its own query names and made-up ones, values that are numbers at and past every
 * edge, dates, garbage and broken percent-encoding, as each role and as nobody.
 */
let h: Harness;
let tokens: Record<string, string | null>;
let routes: { path: string; queryNames: string[] }[];

/** Event streams never end under inject(); their queries are checked before the stream starts elsewhere. */
const STREAMS = /\/stream$/;
const HIDDEN_GET_ROUTES = ['/healthz', '/ack/{token}', '/', '/console', '/board', '/map'];

beforeAll(async () => {
  h = await startHarness();
  const issue = async (role: string, subject?: string): Promise<string> =>
    (await h.api('POST', '/api/tokens', { role, ...(subject === undefined ? {} : { subject }) })).body.token as string;
  tokens = { admin: ADMIN_TOKEN, worker: await issue('worker', 'w1'), bureau: await issue('bureau'), none: null };
  const doc = (await h.api('GET', '/docs/json', undefined, null)).body as { paths: Record<string, Record<string, { parameters?: { in: string; name: string }[] }>> };
  routes = Object.entries(doc.paths)
    .filter(([path, ops]) => ops.get !== undefined && !STREAMS.test(path))
    .map(([path, ops]) => ({ path, queryNames: (ops.get!.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name) }));
  for (const path of HIDDEN_GET_ROUTES) if (!routes.some((r) => r.path === path)) routes.push({ path, queryNames: [] });
});
afterAll(async () => {
  await h.dispose();
});

const EDGE_VALUES = [
  '', '0', '-0', '-1', '1', '1e9999', '-1e9999', '1e300', '9007199254740993', '99999999999999999999', '8640000000000001',
  'NaN', 'Infinity', '-Infinity', '0x10', '1.5', '.5', '1e-7', ' 1', '1 ', 'true', 'null', '[]', '{}',
  '2026-03-02', '2026-03-02T09:00:00Z', '+275760-09-13T00:00:00.001Z', '2026-02-30T25:61:00Z', '0000-00-00',
  'g1', 'g2', 'w1', 'r1', 'b-0001', 's1', 'a1', 'open', 'acked', 'resolved', 'fall', 'sos', 'critical',
  '%', '%zz', '%00', '\u0000', '\uFFFF', '𝟘', '../../etc/passwd', "' OR 1=1 --", '<script>', 'a'.repeat(5000),
];

const value = fc.oneof(
  { arbitrary: fc.constantFrom(...EDGE_VALUES), weight: 4 },
  fc.string({ maxLength: 40 }),
  fc.integer().map(String),
  fc.double().map(String),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
);
const PATH_IDS = ['b-0001', 'b-0002', 'air-01', 'a1', 'r1', 'g1', 'w1', 's1', 'nope', 'x'.repeat(64), 'x'.repeat(65), '%2e%2e', '%zz', 'a%00b'];

function queryArbitrary(queryNames: string[]) {
  const name = fc.oneof(...(queryNames.length > 0 ? [{ arbitrary: fc.constantFrom(...queryNames), weight: 4 }] : []), fc.constantFrom('ticket', 'limit', '__proto__', 'constructor'), fc.string({ maxLength: 12 }));
  const pairs = fc.array(fc.tuple(name, value), { maxLength: 5 });
  // Broken encodings are sent raw, as a client might.
  const raw = fc.constantFrom('', '&', '=', '&&=&', '%', 'a=%zz', 'a[b]=1', 'a=1&a=2&a=3', '?');
  return fc.record({ pairs, raw });
}

async function get(url: string, role: string): Promise<void> {
  const token = tokens[role]!;
  const res = await h.gateway.http.inject({ method: 'GET', url, headers: token === null ? {} : { authorization: `Bearer ${token}` } });
  if (res.statusCode >= 500) throw new Error(`${res.statusCode} for GET ${url} as ${role}: ${res.body.slice(0, 300)}`);
}

describe('every route under any query', () => {
  it('answers every edge value of every declared query parameter below 500', async () => {
    for (const route of routes) {
      const path = route.path.replace(/\{[^}]+\}/g, route.path.includes('aqhi') ? 's1' : route.path.includes('aeds') ? 'a1' : 'b-0001');
      for (const name of route.queryNames) {
        for (const edge of EDGE_VALUES) await get(`${path}?${new URLSearchParams([[name, edge]]).toString()}`, 'admin');
      }
    }
  }, 120_000);

  it('answers with a status below 500', async () => {
    const names = routes.map((r) => r.path);
    expect(names).toEqual(expect.arrayContaining(['/api/devices/{id}/readings', '/api/alerts', '/api/aeds/nearest']));
    for (const route of routes) {
      await fc.assert(
        fc.asyncProperty(queryArbitrary(route.queryNames), fc.constantFrom(...PATH_IDS), fc.constantFrom(...Object.keys(tokens)), async ({ pairs, raw }, id, role) => {
          const path = route.path.replace(/\{[^}]+\}/g, id);
          const search = new URLSearchParams(pairs).toString();
          const url = `${path}?${[search, raw].filter((s) => s !== '').join('&')}`;
          await get(url, role);
        }),
        { numRuns: 25, seed: 160016 + names.indexOf(route.path) },
      );
    }
  }, 120_000);
});
