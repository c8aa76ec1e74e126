import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoginBackoff } from '../../gateway/auth/login-backoff.js';
import { fakeClock } from '../helpers/fake-clock.js';
import { ADMIN_TOKEN, startHarness, type Harness } from '../helpers/gateway-harness.js';

describe('LoginBackoff', () => {
  const make = () => {
    const clock = fakeClock(1_000_000);
    const backoff = new LoginBackoff({ now: clock.now, freeFailures: 3, baseDelayMs: 1000, maxDelayMs: 8000, forgetAfterMs: 60_000, maxAddresses: 2 });
    return { clock, backoff };
  };

  it('lets the free failures through, then doubles the wait up to the cap', () => {
    const { backoff } = make();
    expect([1, 2, 3].map(() => backoff.failed('a'))).toEqual([0, 0, 0]);
    expect(backoff.waitMs('a')).toBe(0);
    expect([4, 5, 6, 7, 8].map(() => backoff.failed('a'))).toEqual([1000, 2000, 4000, 8000, 8000]);
    expect(backoff.waitMs('a')).toBe(8000);
    expect(backoff.waitMs('b')).toBe(0);
  });

  it('counts down with the clock and forgets an address quiet for forgetAfterMs', () => {
    const { clock, backoff } = make();
    for (let i = 0; i < 4; i++) backoff.failed('a');
    clock.advance(400);
    expect(backoff.waitMs('a')).toBe(600);
    clock.advance(600);
    expect(backoff.waitMs('a')).toBe(0);
    expect(backoff.failed('a')).toBe(2000);
    clock.advance(60_000);
    expect(backoff.waitMs('a')).toBe(0);
    expect(backoff.failed('a')).toBe(0);
  });

  it('remembers at most maxAddresses, forgetting the longest quiet', () => {
    const { backoff } = make();
    for (const address of ['a', 'b', 'c']) for (let i = 0; i < 4; i++) backoff.failed(address);
    expect(backoff.waitMs('a')).toBe(0);
    expect(backoff.waitMs('b')).toBe(1000);
    expect(backoff.waitMs('c')).toBe(1000);
  });
});

describe('wrong tokens over HTTP', () => {
  const clock = fakeClock(Date.parse('2026-03-02T09:00:00Z'));
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ now: clock.now, overrides: { http: { loginBackoff: { freeFailures: 5, baseDelayMs: 1000, maxDelayMs: 60_000, forgetAfterS: 900 } } } });
  });
  afterAll(async () => {
    await h.dispose();
  });

  const get = (token: string, remoteAddress = '203.0.113.7') =>
    h.gateway.http.inject({ method: 'GET', url: '/api/residents', remoteAddress, headers: { authorization: `Bearer ${token}` } });

  it('never slows an address whose callers hold valid tokens', async () => {
    for (let i = 0; i < 100; i++) expect((await get(ADMIN_TOKEN, '198.51.100.1')).statusCode).toBe(200);
  });

  it('answers 429 with Retry-After once an address has guessed wrong too often, for right and wrong tokens alike, and counts it', async () => {
    for (let i = 0; i < 6; i++) expect((await get(`gw_guess-${i}`)).statusCode).toBe(401);
    const refused = await get(ADMIN_TOKEN);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    expect(JSON.parse(refused.body)).toEqual({ error: 'GW_ERR_AUTH_BACKOFF', message: expect.stringContaining('1 s') });
    expect((await get('gw_guess-again')).statusCode).toBe(429);
    // Another address is not held up by this one.
    expect((await get(ADMIN_TOKEN, '198.51.100.2')).statusCode).toBe(200);

    clock.advance(1000);
    expect((await get(ADMIN_TOKEN)).statusCode).toBe(200);
    expect((await get('gw_guess-7')).statusCode).toBe(401);
    const longer = await get(ADMIN_TOKEN);
    expect(longer.statusCode).toBe(429);
    expect(longer.headers['retry-after']).toBe('2');

    const metrics = (await h.api('GET', '/metrics', undefined, ADMIN_TOKEN)).body as string;
    expect(metrics).toMatch(/gateway_http_auth_failures_total\{status="429"\} 3\b/);
    expect(metrics).toMatch(/gateway_http_auth_failures_total\{status="401"\} 7\b/);
  });

  it('a request without any token is not a guess: it neither counts nor waits', async () => {
    for (let i = 0; i < 20; i++) {
      const res = await h.gateway.http.inject({ method: 'GET', url: '/api/residents', remoteAddress: '198.51.100.3' });
      expect(res.statusCode).toBe(401);
    }
    expect((await get(ADMIN_TOKEN, '198.51.100.3')).statusCode).toBe(200);
  });
});
