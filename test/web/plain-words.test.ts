import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import type { SimulatedDevice } from '../../firmware-sim/device-client.js';
import { fakeClock } from '../helpers/fake-clock.js';
import { ADMIN_TOKEN, startHarness, type Harness } from '../helpers/gateway-harness.js';
import { waitFor } from '../helpers/wait-for.js';
import { browserAvailable, DESKTOP, signIn, SuiteBrowser } from './browser.js';
import { AIR } from './web-fixtures.js';
import { SimulatedDevice as Device } from '../../firmware-sim/device-client.js';

/*
 * People read names, never ids: with the demo community and a fall, an SOS, an opened AED cabinet
 * and a high air index, no page (console, board, map, ack links) shows an id-shaped token (`r3`,
 * `a3`, `w2`, `s1`, `d1`, a UUID) or an untranslated key, in Chinese or in English.
 */

const T0 = Date.UTC(2026, 5, 1, 0, 0, 0);
const HOUR_MS = 3_600_000;
const clock = fakeClock(T0);

interface Provision {
  [collection: string]: unknown;
  workers: { id: string; channels: { type: string; url?: string }[] }[];
  responders: { id: string; channels?: { type: string; url?: string }[] }[];
  devices: { id: string; secret: string }[];
}

// The demo community, its webhooks pointed at a port nothing listens on (pages fail, as in a bad night).
const demo = YAML.parse(readFileSync(new URL('../../gateway/demo/provision.yaml', import.meta.url), 'utf8')) as Provision;
const closed = (channels: { type: string; url?: string }[] | undefined) => (channels ?? []).map((c) => (c.type === 'webhook' ? { ...c, url: 'http://127.0.0.1:9/hook' } : c));
const PROVISION = {
  ...demo,
  rules: { ...((demo.rules as object | undefined) ?? {}), fall: { cancelWindowS: 0 }, deviceOffline: { afterS: 86_400 } },
  workers: demo.workers.map((w) => ({ ...w, channels: closed(w.channels) })),
  responders: demo.responders.map((r) => ({ ...r, channels: closed(r.channels) })),
};

/** Every id the provision file holds: none of them may reach a person's screen. */
function provisionIds(): Set<string> {
  const ids = new Set<string>();
  for (const value of Object.values(PROVISION)) {
    if (!Array.isArray(value)) continue;
    for (const entry of value as Record<string, unknown>[]) {
      for (const key of ['id', 'district']) if (typeof entry[key] === 'string') ids.add(entry[key] as string);
      for (const c of (entry.contacts as { id?: string }[] | undefined) ?? []) if (c.id !== undefined) ids.add(c.id);
    }
  }
  return ids;
}

const KEY_PREFIXES =
  'app|nav|prefs|login|role|console|alert|where|severity|state|kind|condition|detail|notify|timeline|channel|age|board|map|aedState|aed|error|act|subject|place|page|filter|sound|notice|vitals|failure|relation';
const UNTRANSLATED_KEY = new RegExp(`(?<![\\w.])(?:${KEY_PREFIXES})\\.[a-zA-Z]+`, 'g');
const RAW_ENUM = /(?<![\w.])[a-z]+_[a-z_]+(?![\w.])/g;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** The id-shaped tokens and untranslated keys in a page's visible text. */
function badWords(text: string, ids: Set<string>): string[] {
  const bad: string[] = [];
  for (const token of text.split(/[\s,;:()（）：，、·/|"“”'’]+/)) {
    const bare = token.replace(/[.。!?]+$/, '');
    if (ids.has(bare) || /^[a-z]\d{1,3}$/i.test(bare)) bad.push(bare);
  }
  for (const re of [UNTRANSLATED_KEY, RAW_ENUM, UUID]) for (const m of text.matchAll(re)) bad.push(m[0]);
  return bad;
}

describe.skipIf(!browserAvailable)('every word for a person', () => {
  let h: Harness;
  let browser: SuiteBrowser | undefined;
  const devices: SimulatedDevice[] = [];
  const ids = provisionIds();
  const alertIds: string[] = [];
  let ackPaths: string[] = [];
  let notesSeenInChinese = 0;
  let fallId = '';

  async function device(id: string): Promise<SimulatedDevice> {
    const secret = PROVISION.devices.find((d) => d.id === id)!.secret;
    const d = await Device.connect({ id, secret, url: h.mqttUrl });
    devices.push(d);
    return d;
  }

  async function systemNotes(alertId: string, code: string): Promise<boolean> {
    const timeline = (await h.api('GET', `/api/alerts/${alertId}`)).body.timeline as { type: string; code?: string }[];
    return timeline.some((e) => e.type === 'note' && e.code === code);
  }

  beforeAll(async () => {
    h = await startHarness({ provision: PROVISION, now: clock.now });
    // Three hours of bad air at Riverside: the index reaches the high band.
    const riverside = await device('air-01');
    for (let hour = 0; hour < 4; hour++) {
      clock.set(T0 + hour * HOUR_MS);
      await h.gateway.aqhi.tick(clock.now());
      for (const minute of [10, 30]) {
        clock.set(T0 + hour * HOUR_MS + minute * 60_000);
        await riverside.telemetry(AIR.high, 1);
      }
    }
    clock.set(T0 + 4 * HOUR_MS + 60_000);
    await h.gateway.aqhi.tick(clock.now());
    await (await device('b-0001')).event({ type: 'fall', confidence: 0.9, lat: 30.2644, lon: 120.1543 });
    await (await device('b-0006')).event({ type: 'sos' });
    const cabinet = await device('aed-cab-01');
    await cabinet.event({ type: 'door_open' });
    const alerts = await waitFor('a fall, an SOS, an opened cabinet and a high index', async () => {
      const list = (await h.api('GET', '/api/alerts?limit=50')).body.alerts as { id: string; kind: string; subject: string }[];
      const kinds = new Set(list.map((a) => a.kind));
      return ['fall', 'sos', 'aed_opened', 'aqhi_high'].every((k) => kinds.has(k)) ? list : undefined;
    });
    alertIds.push(...alerts.map((a) => a.id));
    fallId = alerts.find((a) => a.kind === 'fall')!.id;
    // The AED taken out and put back: the cabinet's own lines and the guardian asked to restock.
    const openedId = alerts.find((a) => a.kind === 'aed_opened')!.id;
    clock.advance(30_000);
    await cabinet.event({ type: 'aed_removed' });
    await waitFor('the AED taken out, on the timeline', async () => systemNotes(openedId, 'aedTakenOut'));
    clock.advance(300_000);
    await cabinet.event({ type: 'aed_returned' });
    await waitFor('the AED back and the guardian asked', async () => (await systemNotes(openedId, 'aedReturned')) && systemNotes(openedId, 'guardianAsked'));
    // Let the pages fail and retry, so the timelines hold what a bad night looks like.
    for (let i = 0; i < 3; i++) {
      clock.advance(10_000);
      await h.gateway.alerting.tick();
    }
    const fall = alerts.find((a) => a.kind === 'fall')!;
    const opened = alerts.find((a) => a.kind === 'aed_opened')!;
    ackPaths = [h.gateway.alerting.ackLinks.url(fall.id, 'w1'), h.gateway.alerting.ackLinks.url(opened.id, 'v1', 'accept')].map((url) => new URL(url).pathname);
    browser = await SuiteBrowser.launch();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all(devices.map((d) => d.close().catch(() => undefined)));
    await h?.dispose();
  });

  /** The visible text of the page, checked; `where` names it in the failure. */
  async function expectPlain(page: Page, where: string): Promise<void> {
    const text = (await page.evaluate('document.body.innerText')) as string;
    expect(badWords(text, ids), `${where}:\n${text}`).toEqual([]);
    // What the gateway itself wrote on a timeline is in the page's language too.
    if ((await page.evaluate('document.documentElement.lang')) !== 'zh-CN') return;
    const notes = (await page.evaluate("[...document.querySelectorAll('.tl-system-note .tl-note, .tl-page .tl-text')].map((e) => e.textContent)")) as string[];
    notesSeenInChinese += await page.locator('.tl-system-note .tl-note').count();
    expect(notes.filter((note) => !/[\u4e00-\u9fff]/.test(note)), `${where}: system notes not in Chinese`).toEqual([]);
  }

  async function toChinese(page: Page): Promise<void> {
    await page.locator('[data-pref="language"]').click();
    await expect.poll(() => page.evaluate('document.documentElement.lang')).toBe('zh-CN');
  }

  it('finds the words it looks for (the check itself can fail)', () => {
    expect(badWords('Resident: a3 · Could not reach v1 · alert.ack · aed_opened · 3f1c2a9e-1b2c-4d5e-8f90-123456789abc', ids)).toEqual([
      'a3',
      'v1',
      'alert.ack',
      'aed_opened',
      '3f1c2a9e-1b2c-4d5e-8f90-123456789abc',
    ]);
    expect(badWords('Li Guiying, Building 1, Unit 1, Room 401 · 68 m · SpO₂ 94% · PM2.5', ids)).toEqual([]);
  });

  it('console: the inbox and every alert, in English and Chinese', async () => {
    const { page, problems } = await browser!.open(DESKTOP);
    await signIn(page, h.httpUrl, ADMIN_TOKEN, '/console');
    await expect.poll(() => page.locator('.alert-card').count()).toBe(alertIds.length);
    for (const language of ['en', 'zh']) {
      if (language === 'zh') await toChinese(page);
      for (const id of alertIds) {
        await page.evaluate(`location.hash = '#alert=${id}'`);
        await page.locator(`.alert-detail[data-alert-id="${id}"] .timeline li`).first().waitFor();
        await page.locator(`.alert-detail[data-alert-id="${id}"] .vitals-holder:not([aria-busy])`).or(page.locator(`.alert-detail[data-alert-id="${id}"]`)).first().waitFor();
        await expectPlain(page, `console ${language} ${id}`);
      }
    }
    // A family contact's relation is in the page's language too ("child" was shown in English).
    const fall = alertIds.find((id) => id === fallId)!;
    await page.evaluate(`location.hash = '#alert=${fall}'`);
    await expect.poll(() => page.locator(`.alert-detail[data-alert-id="${fall}"] .contact-list li`).first().innerText()).toContain('子女');
    expect(await page.locator(`.alert-detail[data-alert-id="${fall}"] .contact-list`).innerText()).not.toMatch(/\bchild\b/);
    // The cabinet's lines, the guardian asked, pages that reached nobody: the check above saw them.
    expect(notesSeenInChinese).toBeGreaterThanOrEqual(5);
    expect(problems()).toEqual([]);
  }, 120_000);

  it('board, map and ack pages, in English and Chinese', async () => {
    const board = await browser!.open(DESKTOP);
    await board.page.goto(`${h.httpUrl}/board`);
    await board.page.locator('svg.trend').first().waitFor();
    await expectPlain(board.page, 'board en');
    expect(await board.page.locator('.station-head').first().innerText()).toContain('Shangcheng District');
    await toChinese(board.page);
    await expectPlain(board.page, 'board zh');

    const map = await browser!.open(DESKTOP);
    await signIn(map.page, h.httpUrl, ADMIN_TOKEN, '/console');
    await map.page.goto(`${h.httpUrl}/map`);
    await map.page.locator('#map-counts').filter({ hasText: /\d/ }).waitFor();
    for (const language of ['en', 'zh']) {
      if (language === 'zh') await toChinese(map.page);
      for (const type of ['aed', 'station', 'resident', 'responder']) {
        // By keyboard, as a screen-reader user would: markers may sit on one another. A live update
        // redraws the markers, and may replace the focused one before the key arrives: press again.
        await waitFor(`the ${type} panel`, async () => {
          await map.page.locator(`[data-type="${type}"]`).first().press('Enter');
          return map.page.locator('#map-info h2').isVisible();
        }, 30_000);
        await expectPlain(map.page, `map ${language} ${type}`);
      }
    }

    const ack = await browser!.open(DESKTOP);
    for (const path of ackPaths) {
      await ack.page.goto(`${h.httpUrl}${path}`);
      await expectPlain(ack.page, `ack page ${path}`);
      await ack.page.locator('button[type="submit"]').click();
      await ack.page.locator('h1').waitFor();
      await expectPlain(ack.page, `ack page answered ${path}`);
    }
    expect([...board.problems(), ...map.problems(), ...ack.problems()]).toEqual([]);
  }, 120_000);
});
