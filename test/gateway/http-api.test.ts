import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.dispose();
});

async function tokenFor(role: string, subject?: string): Promise<string> {
  const res = await h.api('POST', '/api/tokens', { role, ...(subject ? { subject } : {}) });
  expect(res.status).toBe(201);
  return res.body.token as string;
}

describe('health and docs', () => {
  it('answers /healthz and /readyz without a token', async () => {
    expect((await h.api('GET', '/healthz', undefined, null)).status).toBe(200);
    const ready = await h.api('GET', '/readyz', undefined, null);
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', checks: { broker: true, store: true, provision: true } });
  });

  it('serves the OpenAPI document with the registry routes', async () => {
    const res = await h.api('GET', '/docs/json', undefined, null);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/api/residents/{id}', '/api/devices/{id}/readings', '/api/tokens']));
  });
});

describe('tokens and roles', () => {
  it('refuses a missing token and a wrong token with 401', async () => {
    const missing = await h.api('GET', '/api/residents', undefined, null);
    expect(missing.status).toBe(401);
    expect(missing.body.error).toBe('GW_ERR_AUTH_MISSING_TOKEN');
    const wrong = await h.api('GET', '/api/residents', undefined, 'gw_not-a-real-token');
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('GW_ERR_AUTH_BAD_TOKEN');
  });

  it('refuses the wrong role with 403', async () => {
    const bureau = await tokenFor('bureau');
    const res = await h.api('GET', '/api/residents', undefined, bureau);
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: 'GW_ERR_AUTH_FORBIDDEN', message: expect.stringContaining('bureau') });
    expect((await h.api('GET', '/metrics', undefined, bureau)).status).toBe(403);
  });

  it('needs the worker’s id for a worker token, and refuses an unknown one', async () => {
    expect((await h.api('POST', '/api/tokens', { role: 'worker' })).status).toBe(400);
    const unknown = await h.api('POST', '/api/tokens', { role: 'worker', subject: 'w404' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toContain('w404');
  });

  it('scopes readings: a worker sees their grid’s bracelets only; bureau sees air stations only', async () => {
    const w1 = await tokenFor('worker', 'w1');
    const bureau = await tokenFor('bureau');
    expect((await h.api('GET', '/api/devices/b-0001/readings', undefined, w1)).status).toBe(200);
    expect((await h.api('GET', '/api/devices/b-0002/readings', undefined, w1)).status).toBe(404);
    expect((await h.api('GET', '/api/devices/air-01/readings', undefined, bureau)).status).toBe(200);
    expect((await h.api('GET', '/api/devices/b-0001/readings', undefined, bureau)).status).toBe(404);
  });

  it('stops honouring a revoked token', async () => {
    const res = await h.api('POST', '/api/tokens', { role: 'bureau', label: 'screen 3' });
    expect((await h.api('GET', '/api/devices/air-01/readings', undefined, res.body.token)).status).toBe(200);
    expect((await h.api('DELETE', `/api/tokens/${res.body.id}`)).status).toBe(204);
    expect((await h.api('GET', '/api/devices/air-01/readings', undefined, res.body.token)).status).toBe(401);
  });
});

describe('registry API', () => {
  it('upserts a resident with PUT and reads it back', async () => {
    const body = { id: 'r9', name: 'Wu Defu', grid: 'g1', home: { lat: 30.26, lon: 120.15, radiusM: 50 } };
    const created = await h.api('PUT', '/api/residents/r9', body);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ ...body, conditions: [], contacts: [] });
    const again = await h.api('PUT', '/api/residents/r9', { ...body, name: 'Wu De-fu' });
    expect(again.status).toBe(200);
    expect((await h.api('GET', '/api/residents/r9')).body.name).toBe('Wu De-fu');
  });

  const bad: { name: string; url: string; body: unknown; mentions: string }[] = [
    { name: 'an unknown field', url: '/api/residents/r8', body: { id: 'r8', name: 'X', grid: 'g1', colour: 'red' }, mentions: 'colour' },
    { name: 'a wrong type', url: '/api/residents/r8', body: { id: 'r8', name: 'X', grid: 'g1', home: { lat: '30.2', lon: 120, radiusM: 10 } }, mentions: 'home/lat' },
    { name: 'a missing field', url: '/api/residents/r8', body: { id: 'r8', grid: 'g1' }, mentions: 'name' },
    { name: 'a latitude out of range', url: '/api/aeds/a8', body: { id: 'a8', lat: 91, lon: 120 }, mentions: 'lat' },
    { name: 'a grid that does not exist', url: '/api/residents/r8', body: { id: 'r8', name: 'X', grid: 'g404' }, mentions: 'g404' },
    { name: 'a path id that differs from the body', url: '/api/residents/r8', body: { id: 'r7', name: 'X', grid: 'g1' }, mentions: 'id' },
    { name: 'a bracelet bound to a station', url: '/api/devices/b-0009', body: { id: 'b-0009', kind: 'bracelet', secret: 'long-enough', station: 's1' }, mentions: 'station' },
    { name: 'a new device without a secret', url: '/api/devices/b-0009', body: { id: 'b-0009', kind: 'bracelet', resident: 'r1' }, mentions: 'secret' },
    { name: 'a bin without a position', url: '/api/devices/bin-09', body: { id: 'bin-09', kind: 'bin', secret: 'long-enough', grid: 'g1' }, mentions: 'lat' },
    { name: 'a bin bound to a station', url: '/api/devices/bin-09', body: { id: 'bin-09', kind: 'bin', secret: 'long-enough', grid: 'g1', lat: 30.27, lon: 120.16, station: 's1' }, mentions: 'station' },
    { name: 'a bin in a grid that does not exist', url: '/api/devices/bin-09', body: { id: 'bin-09', kind: 'bin', secret: 'long-enough', grid: 'g404', lat: 30.27, lon: 120.16 }, mentions: 'g404' },
    { name: 'an air station with a grid', url: '/api/devices/air-09', body: { id: 'air-09', kind: 'air', secret: 'long-enough', station: 's1', grid: 'g1' }, mentions: 'grid' },
    { name: 'a sanitation contact who is not a worker', url: '/api/grids/g1', body: { id: 'g1', name: 'Fuxing Lane', sanitation: ['nobody'] }, mentions: 'nobody' },
  ];

  it('registers a bin to a grid with a position, and a grid with its sanitation contact', async () => {
    const bin = { id: 'bin-08', kind: 'bin', secret: 'long-enough', grid: 'g1', lat: 30.2662, lon: 120.1555, name: 'East gate of Building 3' };
    expect((await h.api('PUT', '/api/devices/bin-08', bin)).status).toBeLessThan(300);
    expect((await h.api('GET', '/api/devices/bin-08')).body).toMatchObject({ id: 'bin-08', kind: 'bin', grid: 'g1', lat: 30.2662, lon: 120.1555, name: 'East gate of Building 3' });
    const grid = (await h.api('GET', '/api/grids/g1')).body;
    expect((await h.api('PUT', '/api/grids/g1', { ...grid, sanitation: ['w2'] })).status).toBe(200);
    expect((await h.api('GET', '/api/grids/g1')).body.sanitation).toEqual(['w2']);
  });
  for (const c of bad) {
    it(`refuses ${c.name} with 400 naming the field`, async () => {
      const res = await h.api('PUT', c.url, c.body);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/^GW_ERR_/);
      expect(res.body.message).toContain(c.mentions);
    });
  }

  it('refuses a body that is not JSON', async () => {
    const res = await h.gateway.http.inject({ method: 'PUT', url: '/api/grids/g9', headers: { authorization: 'Bearer test-admin-token-0123456789abcdef', 'content-type': 'application/json' }, payload: '{"id": "g9",' });
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body).error).toBe('GW_ERR_HTTP_BAD_REQUEST');
  });

  it('never returns a device secret, and refuses deleting what is still referenced', async () => {
    const device = await h.api('GET', '/api/devices/b-0001');
    expect(device.status).toBe(200);
    expect(JSON.stringify(device.body)).not.toContain('secret');
    // A resident leaves with their bracelets (resident-leaving.test.ts); a grid with people in it stays.
    const res = await h.api('DELETE', '/api/grids/g1');
    expect(res.status).toBe(409);
    expect(res.body.message).toContain('residents/r1');
  });

  it('answers unknown routes with the error shape', async () => {
    const res = await h.api('GET', '/api/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body.error).toBe('GW_ERR_HTTP_NOT_FOUND');
  });
});
