import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeClock } from '../helpers/fake-clock.js';
import { ADMIN_TOKEN, startHarness, type Harness } from '../helpers/gateway-harness.js';
import { browserAvailable, PHONE, signIn, SuiteBrowser } from './browser.js';
import { alertFor, connectDevice, issueToken, WEB_PROVISION } from './web-fixtures.js';

/*
 * A phone stays signed in: the pasted token opens a device session in an http-only,
 * SameSite=Strict cookie; changes need the session's CSRF token and this gateway's origin; the
 * session ends on sign-out (here or everywhere), after 14 days unused, and when its token is
 * revoked. Bearer tokens keep working for API clients.
 */

const T0 = Date.UTC(2026, 5, 1, 2, 0, 0);
const DAY_MS = 86_400_000;
const clock = fakeClock(T0);

interface Opened {
  cookie: string;
  csrf: string;
  setCookies: string[];
}

describe('device sessions', () => {
  let h: Harness;
  let workerToken: string;
  let fallId: string;

  beforeAll(async () => {
    h = await startHarness({ provision: WEB_PROVISION, now: clock.now });
    workerToken = await issueToken(h, 'worker', 'w1');
    const bracelet = await connectDevice(h, 'b-0001');
    await bracelet.event({ type: 'fall', confidence: 0.9 });
    fallId = (await alertFor(h, 'r1', 'fall')).id;
    await bracelet.close();
  });

  afterAll(async () => {
    await h?.dispose();
  });

  async function open(token: string): Promise<Opened> {
    const res = await fetch(`${h.httpUrl}/api/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ device: 'test phone' }),
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { csrf: string; idleDays: number };
    const setCookies = res.headers.getSetCookie();
    const session = setCookies.find((c) => c.startsWith('gw_session='))!;
    return { cookie: session.split(';')[0]!, csrf: body.csrf, setCookies };
  }

  function call(method: string, path: string, session: Opened, options: { csrf?: string | null; origin?: string; body?: unknown } = {}) {
    const headers: Record<string, string> = { cookie: session.cookie };
    const csrf = options.csrf === undefined ? session.csrf : options.csrf;
    if (csrf !== null) headers['x-csrf-token'] = csrf;
    if (options.origin !== undefined) headers.origin = options.origin;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    return fetch(`${h.httpUrl}${path}`, { method, headers, ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }) });
  }

  it('keeps the secret in an http-only, SameSite=Strict cookie and signs requests with it', async () => {
    const session = await open(workerToken);
    const cookie = session.setCookies.find((c) => c.startsWith('gw_session='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).toMatch(/Max-Age=7776000/);
    // Plain HTTP here: Secure would make the browser drop it; over HTTPS it is set.
    expect(cookie).not.toMatch(/Secure/i);
    const csrfCookie = session.setCookies.find((c) => c.startsWith('gw_csrf='))!;
    expect(csrfCookie).not.toMatch(/HttpOnly/i);

    const me = await call('GET', '/api/me', session, { csrf: null });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ role: 'worker', subject: 'w1', name: 'Wang Fang' });
    // API clients keep their bearer tokens.
    expect((await h.api('GET', '/api/me', undefined, workerToken)).status).toBe(200);
  });

  it('refuses a change without the CSRF token or from another origin', async () => {
    const session = await open(workerToken);
    const note = { text: 'On my way' };
    const without = await call('POST', `/api/alerts/${fallId}/notes`, session, { csrf: null, body: note });
    expect(without.status).toBe(403);
    expect(((await without.json()) as { error: string }).error).toBe('GW_ERR_AUTH_CSRF');
    const wrong = await call('POST', `/api/alerts/${fallId}/notes`, session, { csrf: 'not-the-token', body: note });
    expect(wrong.status).toBe(403);
    const elsewhere = await call('POST', `/api/alerts/${fallId}/notes`, session, { origin: 'https://evil.example', body: note });
    expect(elsewhere.status).toBe(403);
    const timeline = (await h.api('GET', `/api/alerts/${fallId}`)).body.timeline as { type: string }[];
    expect(timeline.filter((e) => e.type === 'note' && (e as { text?: string }).text === 'On my way')).toHaveLength(0);

    const good = await call('POST', `/api/alerts/${fallId}/notes`, session, { origin: h.httpUrl, body: note });
    expect(good.status).toBeLessThan(300);
  });

  it('ends after 14 days unused, but not while in use', async () => {
    const session = await open(workerToken);
    for (let day = 0; day < 20; day += 10) {
      clock.advance(10 * DAY_MS);
      expect((await call('GET', '/api/me', session)).status, `used again after 10 days (day ${day + 10})`).toBe(200);
    }
    clock.advance(15 * DAY_MS);
    const idle = await call('GET', '/api/me', session);
    expect(idle.status).toBe(401);
    expect(((await idle.json()) as { error: string }).error).toBe('GW_ERR_AUTH_SESSION_ENDED');
  });

  it('signs out here, everywhere, and when the token is revoked', async () => {
    const phone = await open(workerToken);
    const tablet = await open(workerToken);
    const out = await call('DELETE', '/api/sessions/current', phone);
    expect(out.status).toBe(204);
    expect(out.headers.getSetCookie().some((c) => c.startsWith('gw_session=;'))).toBe(true);
    expect((await call('GET', '/api/me', phone)).status).toBe(401);
    expect((await call('GET', '/api/me', tablet)).status).toBe(200);

    const other = await open(workerToken);
    const listed = (await (await call('GET', '/api/sessions', other)).json()) as { sessions: { current: boolean }[] };
    expect(listed.sessions.filter((s) => s.current)).toHaveLength(1);
    expect(listed.sessions.length).toBeGreaterThanOrEqual(2);
    const everywhere = await call('DELETE', '/api/sessions', other);
    // Sessions that went idle earlier in this suite end too; at least the live ones.
    expect(((await everywhere.json()) as { revoked: number }).revoked).toBeGreaterThanOrEqual(listed.sessions.length);
    expect((await call('GET', '/api/me', tablet)).status).toBe(401);
    expect((await call('GET', '/api/me', other)).status).toBe(401);

    const issued = (await h.api('POST', '/api/tokens', { role: 'worker', subject: 'w3' }, ADMIN_TOKEN)).body as { id: string; token: string };
    const held = await open(issued.token);
    expect((await call('GET', '/api/me', held)).status).toBe(200);
    const tokenId = issued.id;
    expect((await h.api('DELETE', `/api/tokens/${tokenId}`, undefined, ADMIN_TOKEN)).status).toBeLessThan(300);
    expect((await call('GET', '/api/me', held)).status).toBe(401);
  });

  it.skipIf(!browserAvailable)('keeps a phone signed in when the tab closes, and signs out from the menu', async () => {
    const browser = await SuiteBrowser.launch();
    try {
      const first = await browser.open(PHONE);
      await signIn(first.page, h.httpUrl, workerToken, '/console');
      // The token is nowhere the page's scripts can reach.
      expect(await first.page.evaluate('[sessionStorage.length, localStorage.getItem("gw.token")]')).toEqual([0, null]);
      expect(await first.page.evaluate('document.cookie')).not.toContain('gw_session');
      // A new tab of the same browser, as after closing the old one: straight to the console.
      const tab = await first.page.context().newPage();
      await tab.goto(`${h.httpUrl}/console`);
      await tab.locator('#stream-status[data-status="live"]').waitFor();
      expect(new URL(tab.url()).pathname).toBe('/console');
      await first.page.close();
      await tab.locator('[data-action="account"]').click();
      await tab.locator('[data-action="sign-out"]').click();
      await tab.waitForURL((url) => url.pathname === '/');
      await tab.goto(`${h.httpUrl}/console`);
      await tab.waitForURL((url) => url.pathname === '/');
    } finally {
      await browser.close();
    }
  });
});
