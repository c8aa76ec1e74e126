import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedDevice } from '../../firmware-sim/device-client.js';
import { loadWebUi, WEB_PAGES, WEB_ROOT } from '../../gateway/http/routes/web-routes.js';
import { fakeClock } from '../helpers/fake-clock.js';
import { ADMIN_TOKEN, startHarness, type Harness } from '../helpers/gateway-harness.js';
import { waitFor } from '../helpers/wait-for.js';
import { alertFor, connectDevice, issueToken, WEB_PROVISION } from './web-fixtures.js';

/*
 * What the web UI stands on, over HTTP: the pages and assets with their caching headers, who the
 * caller is (GET /api/me), one-use tickets that let a browser's EventSource open the alert stream
 * (and open nothing else), and the role-scoped emergency map (GET /api/map).
 */

const T0 = Date.UTC(2026, 5, 1, 2, 0, 0);
const clock = fakeClock(T0);

let h: Harness;
const devices: SimulatedDevice[] = [];
let tokens: { w1: string; bureau: string; responder: string };

beforeAll(async () => {
  h = await startHarness({ provision: WEB_PROVISION, now: clock.now });
  tokens = { w1: await issueToken(h, 'worker', 'w1'), bureau: await issueToken(h, 'bureau'), responder: await issueToken(h, 'responder', 'v1') };
  for (const id of ['b-0001', 'b-0002', 'aed-02']) devices.push(await connectDevice(h, id));
  await devices[0]!.event({ type: 'fall', confidence: 0.9, lat: 30.2656, lon: 120.1553 });
  await devices[1]!.event({ type: 'sos' });
  await devices[2]!.event({ type: 'maintenance_start' });
  await alertFor(h, 'r1', 'fall');
  await alertFor(h, 'r2', 'sos');
  await waitFor('cabinet a2 in maintenance', () => h.gateway.alerting.aed.cabinet('a2')?.status === 'maintenance');
});

afterAll(async () => {
  await Promise.all(devices.map((d) => d.close().catch(() => undefined)));
  await h?.dispose();
});

function get(url: string, headers: Record<string, string> = {}) {
  return h.gateway.http.inject({ method: 'GET', url, headers });
}

describe('pages and assets', () => {
  it('serves every page without a token: no-cache with an ETag, a CSP that keeps every request on the gateway, versioned asset URLs', async () => {
    for (const page of Object.keys(WEB_PAGES)) {
      const res = await get(page);
      expect(res.statusCode, page).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers['content-security-policy']).toContain("default-src 'none'");
      expect(res.headers['content-security-policy']).toContain("connect-src 'self'");
      expect(res.body).toMatch(/href="\/assets\/[0-9a-f]{12}\/app\.css"/);
      expect(res.body).toContain('<meta name="time-zone" content="Asia/Shanghai">');
      expect(res.body).not.toMatch(/https?:\/\//);
      const again = await get(page, { 'if-none-match': String(res.headers.etag) });
      expect(again.statusCode).toBe(304);
      expect(again.body).toBe('');
    }
  });

  it('caches assets for a year as immutable under their version; any other version is not found', async () => {
    const version = /\/assets\/([0-9a-f]{12})\//.exec((await get('/console')).body)![1]!;
    const script = await get(`/assets/${version}/console.js`);
    expect(script.statusCode).toBe(200);
    expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(script.headers['content-type']).toMatch(/^(text|application)\/javascript/);
    expect(script.headers['x-content-type-options']).toBe('nosniff');
    expect((await get(`/assets/${version}/app.css`)).headers['content-type']).toMatch(/^text\/css/);
    expect((await get('/assets/000000000000/console.js')).statusCode).toBe(404);
    expect((await get(`/assets/${version}/%2e%2e/pages/index.html`)).statusCode).toBe(404);
  });

  it('gives the assets a new version when one of them changes', () => {
    const copy = mkdtempSync(path.join(tmpdir(), 'gw-web-'));
    try {
      cpSync(WEB_ROOT, copy, { recursive: true });
      const before = loadWebUi(copy, { timeZone: 'Asia/Shanghai' });
      writeFileSync(path.join(copy, 'assets', 'app.css'), `${readFileSync(path.join(copy, 'assets', 'app.css'), 'utf8')}\n/* changed */\n`);
      const after = loadWebUi(copy, { timeZone: 'Asia/Shanghai' });
      expect(after.version).not.toBe(before.version);
      expect(after.pages.get('/')!.html).toContain(`/assets/${after.version}/`);
      expect(after.pages.get('/')!.etag).not.toBe(before.pages.get('/')!.etag);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('ask for nothing beyond the gateway: no URL in any asset but the SVG namespace', () => {
    const dir = path.join(WEB_ROOT, 'assets');
    for (const file of readdirSync(dir)) {
      const text = readFileSync(path.join(dir, file), 'utf8').replaceAll('http://www.w3.org/2000/svg', '');
      expect(text, file).not.toMatch(/https?:\/\/|\/\/[a-z0-9-]+\.[a-z]/i);
    }
  });
});

describe('GET /api/me', () => {
  it('tells a worker their name, grids, team and the gateway’s time and zone', async () => {
    const res = await h.api('GET', '/api/me', undefined, tokens.w1);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ role: 'worker', subject: 'w1', name: 'Wang Fang', grids: [{ id: 'g1', name: 'Fuxing Lane' }], timeZone: 'Asia/Shanghai', now: new Date(clock.now()).toISOString() });
    expect(res.body.team.map((p: { id: string }) => p.id).sort()).toEqual(['v1', 'w1', 'w3']);
  });

  it('gives bureau staff no grids and no people', async () => {
    const res = await h.api('GET', '/api/me', undefined, tokens.bureau);
    expect(res.body).toMatchObject({ role: 'bureau', subject: null, name: null, grids: [], team: [] });
  });

  it('needs a token', async () => {
    expect((await h.api('GET', '/api/me', undefined, null)).status).toBe(401);
  });
});

/**
 * Opens an event stream over real HTTP (no Authorization header, as EventSource) and returns the
 * status and the first event's name, or the error body; the connection is dropped either way.
 */
function openStream(url: string): Promise<{ status: number; firstEvent?: string; body?: unknown }> {
  return new Promise((resolve, reject) => {
    const request = httpGet(`${h.httpUrl}${url}`, { agent: false }, (response) => {
      response.setEncoding('utf8');
      let text = '';
      response.on('data', (chunk: string) => {
        text += chunk;
        const event = /event: (\w+)/.exec(text);
        if (response.statusCode === 200 && event !== null) {
          request.destroy();
          resolve({ status: 200, firstEvent: event[1]! });
        }
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }));
    });
    request.on('error', reject);
  });
}

async function ticketFor(token: string): Promise<string> {
  const res = await h.api('POST', '/api/stream-tickets', undefined, token);
  expect(res.status).toBe(201);
  return res.body.ticket as string;
}

describe('stream tickets', () => {
  it('open the alert stream once, as the person who asked for the ticket', async () => {
    const ticket = await ticketFor(tokens.w1);
    expect(await openStream(`/api/alerts/stream?ticket=${ticket}`)).toEqual({ status: 200, firstEvent: 'hello' });
    expect(await openStream(`/api/alerts/stream?ticket=${ticket}`)).toMatchObject({ status: 401, body: { error: 'GW_ERR_AUTH_BAD_TICKET' } });
  });

  it('expire after a minute, and die with the token they came from', async () => {
    const late = await ticketFor(tokens.w1);
    clock.advance(61_000);
    expect((await openStream(`/api/alerts/stream?ticket=${late}`)).status).toBe(401);

    const issued = await h.api('POST', '/api/tokens', { role: 'worker', subject: 'w1' }, ADMIN_TOKEN);
    const orphan = await ticketFor(issued.body.token);
    expect((await h.api('DELETE', `/api/tokens/${issued.body.id}`, undefined, ADMIN_TOKEN)).status).toBe(204);
    expect((await openStream(`/api/alerts/stream?ticket=${orphan}`)).status).toBe(401);
  });

  it('are only for those who may read alerts', async () => {
    expect((await h.api('POST', '/api/stream-tickets', undefined, tokens.bureau)).status).toBe(403);
    expect((await h.api('POST', '/api/stream-tickets', undefined, tokens.responder)).status).toBe(403);
  });

  it('open nothing but the stream, and no route takes a bearer token in the URL', async () => {
    const ticket = await ticketFor(tokens.w1);
    for (const url of [`/api/alerts?ticket=${ticket}`, `/api/map?ticket=${ticket}`, `/api/me?ticket=${ticket}`]) {
      const res = await h.api('GET', url, undefined, null);
      expect(res.status, url).toBe(401);
      expect(res.body.error).toBe('GW_ERR_AUTH_MISSING_TOKEN');
    }
    // The ticket was not spent by those refusals.
    expect((await openStream(`/api/alerts/stream?ticket=${ticket}`)).status).toBe(200);

    for (const url of [`/api/alerts/stream?access_token=${tokens.w1}`, `/api/alerts?access_token=${tokens.w1}`, `/api/alerts?token=${tokens.w1}`]) {
      expect((await h.api('GET', url, undefined, null)).status, url).toBe(401);
    }
    expect(await openStream(`/api/alerts/stream?ticket=${tokens.w1}`)).toMatchObject({ status: 401, body: { error: 'GW_ERR_AUTH_BAD_TICKET' } });
  });
});

describe('GET /api/map', () => {
  it('gives a worker their grid’s homes and residents in trouble, the responders, every cabinet and station', async () => {
    const res = await h.api('GET', '/api/map', undefined, tokens.w1);
    expect(res.status).toBe(200);
    const map = res.body;
    expect(map.grids.map((g: { id: string; yours: boolean; boundary: unknown[] }) => [g.id, g.yours, g.boundary.length])).toEqual([
      ['g1', true, 4],
      ['g2', false, 4],
    ]);
    expect(map.homes.map((home: { grid: string }) => home.grid)).toEqual(['g1', 'g1']);
    expect(map.residents).toHaveLength(1);
    expect(map.residents[0]).toMatchObject({
      id: 'r1',
      name: 'Li Guiying',
      grid: 'g1',
      location: { lat: 30.2656, lon: 120.1553, source: 'event' },
      alerts: [{ kind: 'fall', severity: 'critical', state: 'open' }],
    });
    expect(map.responders.map((r: { id: string }) => r.id)).toEqual(['v1', 'v2']);
    expect(Object.fromEntries(map.aeds.map((a: { id: string; state: string }) => [a.id, a.state]))).toEqual({ a1: 'ready', a2: 'maintenance', a3: 'ready' });
    expect(map.stations.map((s: { id: string }) => s.id)).toEqual(['s1', 's2', 's3']);
  });

  it('gives an admin the residents of every grid', async () => {
    const map = (await h.api('GET', '/api/map')).body;
    expect(map.residents.map((r: { id: string }) => r.id).sort()).toEqual(['r1', 'r2']);
    expect(map.homes).toHaveLength(3);
  });

  it('gives bureau staff and responders no resident data, no homes and no responders', async () => {
    for (const token of [tokens.bureau, tokens.responder]) {
      const res = await h.api('GET', '/api/map', undefined, token);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ residents: [], homes: [], responders: [] });
      expect(res.body.aeds).toHaveLength(3);
      expect(res.body.stations).toHaveLength(3);
      const text = JSON.stringify(res.body);
      for (const resident of WEB_PROVISION.residents) {
        expect(text).not.toContain(resident.name);
        expect(text).not.toContain(resident.address);
      }
    }
  });

  it('needs a token', async () => {
    expect((await h.api('GET', '/api/map', undefined, null)).status).toBe(401);
  });
});
