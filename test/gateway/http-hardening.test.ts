import { statSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGateway } from '../../gateway/build-gateway.js';
import { ConfigError, loadConfig } from '../../gateway/config/config.js';
import { createLogger } from '../../gateway/logger.js';
import { fakeClock } from '../helpers/fake-clock.js';
import { ADMIN_TOKEN, harnessConfig, makeDataDir, startHarness, writeProvision, TEST_PROVISION, type Harness } from '../helpers/gateway-harness.js';
import { waitFor } from '../helpers/wait-for.js';

const clock = fakeClock(Date.parse('2026-03-02T09:00:00Z'));
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ now: clock.now });
});
afterAll(async () => {
  await h.dispose();
});

async function openSosAlert(): Promise<string> {
  const bracelet = await h.device('b-0001', 'json');
  await bracelet.event({ type: 'sos' });
  return waitFor('the sos alert', async () => {
    const list = await h.api('GET', '/api/alerts?kind=sos');
    return list.body.alerts?.[0]?.id as string | undefined;
  });
}

describe('queries out of range', () => {
  it.each(['to=1e9999', 'to=1e300', 'from=1e9999', 'to=99999999999999999999', 'to=+275760-09-13T00:00:01Z', 'from=-1'])('answers 400, not 500, for readings?%s', async (query) => {
    const res = await h.api('GET', `/api/devices/b-0001/readings?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('GW_ERR_HTTP_BAD_REQUEST');
  });

  it('still answers the largest time a Date holds', async () => {
    const res = await h.api('GET', '/api/devices/b-0001/readings?to=8640000000000000');
    expect(res.status).toBe(200);
    expect(res.body.to).toBe('+275760-09-13T00:00:00.000Z');
  });
});

describe('API response headers', () => {
  it.each([
    ['an answer', '/api/residents', ADMIN_TOKEN, 200],
    ['a refusal', '/api/residents', null, 401],
    ['an unknown route', '/api/nothing-here', ADMIN_TOKEN, 404],
    ['the public feed', '/api/aqhi', null, 200],
  ] as const)('%s under /api is nosniff and no-store', async (_what, url, token, status) => {
    const res = await h.gateway.http.inject({ method: 'GET', url, headers: token === null ? {} : { authorization: `Bearer ${token}` } });
    expect(res.statusCode).toBe(status);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toBe('no-store');
  });
});

describe('ack links', () => {
  it('serve a page under a content security policy that runs no script', async () => {
    const alertId = await openSosAlert();
    const url = new URL(h.gateway.alerting.ackLinks.url(alertId, 'w1'));
    const res = await h.gateway.http.inject({ method: 'GET', url: url.pathname });
    expect(res.statusCode).toBe(200);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).not.toContain('script-src');
    // The page's one style is the one the policy's hash allows.
    const style = /<style>([^<]*)<\/style>/.exec(res.body)![1]!;
    const { createHash } = await import('node:crypto');
    expect(csp).toContain(`'sha256-${createHash('sha256').update(style).digest('base64')}'`);
  });

  it('stop working after pager.ackLinkTtlS (24 h by default)', async () => {
    expect(h.gateway.config.pager.ackLinkTtlS).toBe(24 * 3600);
    const alertId = await openSosAlert();
    const url = new URL(h.gateway.alerting.ackLinks.url(alertId, 'w1'));
    clock.advance(24 * 3600_000 - 1000);
    expect((await h.gateway.http.inject({ method: 'GET', url: url.pathname })).statusCode).toBe(200);
    clock.advance(2000);
    expect((await h.gateway.http.inject({ method: 'GET', url: url.pathname })).statusCode).toBe(404);
    const post = await h.gateway.http.inject({ method: 'POST', url: url.pathname });
    expect(post.statusCode).toBe(404);
    expect((await h.api('GET', `/api/alerts/${alertId}`)).body.state).toBe('open');
  });
});

describe('registry round trip', () => {
  it('takes back what GET /api/aeds/:id answered', async () => {
    const got = await h.api('GET', '/api/aeds/a1');
    expect(got.body).toMatchObject({ id: 'a1', state: 'ready', monitored: expect.any(Boolean) });
    const put = await h.api('PUT', '/api/aeds/a1', { ...got.body, description: 'Community health station, left of the entrance' });
    expect(put.status).toBe(200);
    expect(put.body).not.toHaveProperty('state');
    expect((await h.api('GET', '/api/aeds/a1')).body).toMatchObject({ description: 'Community health station, left of the entrance', state: 'ready' });
  });

  it('still refuses a field that is neither the entry’s nor the gateway’s view of it', async () => {
    const got = await h.api('GET', '/api/aeds/a1');
    const put = await h.api('PUT', '/api/aeds/a1', { ...got.body, colour: 'red' });
    expect(put.status).toBe(400);
    expect(put.body.message).toContain('colour');
  });
});

describe('the data directory', () => {
  it('is the owner’s only: directory 0700, database 0600', () => {
    expect(statSync(h.dataDir).mode & 0o777).toBe(0o700);
    for (const file of ['gateway.db', 'gateway.db-wal']) expect(statSync(path.join(h.dataDir, file)).mode & 0o777).toBe(0o600);
  });
});

describe('ADMIN_TOKEN', () => {
  it('refuses fewer than 32 characters with a message saying so', () => {
    const attempt = (): unknown => loadConfig({ env: { ADMIN_TOKEN: 'x'.repeat(31) } });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/ADMIN_TOKEN .*31 characters.*at least 32/);
    expect(loadConfig({ env: { ADMIN_TOKEN: 'x'.repeat(32) } }).adminToken).toHaveLength(32);
  });
});

describe('the request log', () => {
  it('keeps neither ack-link tokens nor stream tickets', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const dataDir = makeDataDir();
    const config = harnessConfig(dataDir, writeProvision(dataDir, TEST_PROVISION), { logLevel: 'info' });
    const gateway = await buildGateway({ config, log: createLogger('info', sink) });
    await gateway.start();
    try {
      const link = new URL(gateway.alerting.ackLinks.url('no-such-alert', 'w1')).pathname;
      const token = link.slice('/ack/'.length);
      await gateway.http.inject({ method: 'GET', url: link });
      await gateway.http.inject({ method: 'POST', url: link });
      const issued = await gateway.http.inject({ method: 'POST', url: '/api/stream-tickets', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      const ticket = (JSON.parse(issued.body) as { ticket: string }).ticket;
      // A ticket that is refused is still a credential someone may reuse: it stays out too.
      await gateway.http.inject({ method: 'GET', url: `/api/alerts/stream?ticket=${ticket}x` });
      const urls = lines.map((l) => JSON.parse(l) as { msg: string; req?: { url: string } }).filter((l) => l.msg === 'incoming request').map((l) => l.req!.url);
      expect(urls).toEqual(expect.arrayContaining(['/ack/[redacted]', '/api/alerts/stream?ticket=[redacted]']));
      const text = lines.join('');
      expect(text).not.toContain(token);
      expect(text).not.toContain(ticket);
    } finally {
      await gateway.stop();
    }
  });
});
