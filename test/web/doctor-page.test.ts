import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedDevice } from '../../firmware-sim/device-client.js';
import { fakeClock } from '../helpers/fake-clock.js';
import { ADMIN_TOKEN, startHarness, type Harness } from '../helpers/gateway-harness.js';
import { browserAvailable, PHONE, screenshot, sidewaysOverflowPx, signIn, SuiteBrowser } from './browser.js';
import { alertFor, connectDevice, WEB_PROVISION } from './web-fixtures.js';

/*
 * The doctor page, in real Chromium: Dr Chen signs in with her `doctor` token and sees her own
 * patients by name: Li Guiying (who shares vitals with her doctor) with a routine vitals alert and
 * her 24-hour summary, Wang Shulan (who shares nothing routine) without vitals but with her fall,
 * marked as shared under the emergency rule; never Zhang
 * Xiuying, another doctor's patient, even when she falls. In Chinese and English, with no ids.
 */

const T0 = Date.UTC(2026, 5, 1, 2, 0, 0);
const clock = fakeClock(T0);

const PROVISION = {
  ...WEB_PROVISION,
  doctors: [
    { id: 'doc1', name: 'Dr Chen', grids: ['g1'], channels: [] },
    { id: 'doc2', name: 'Dr Zhou', grids: ['g2'], channels: [] },
  ],
  residents: WEB_PROVISION.residents.map((r) =>
    r.id === 'r1' ? { ...r, doctor: 'doc1', sharing: { vitals: ['doctor'] } } : r.id === 'r3' ? { ...r, doctor: 'doc1' } : { ...r, doctor: 'doc2' },
  ),
};

describe.skipIf(!browserAvailable)('doctor page', () => {
  let h: Harness;
  let browser: SuiteBrowser;
  let doctor: string;
  let patient: SimulatedDevice;

  beforeAll(async () => {
    h = await startHarness({ provision: PROVISION, now: clock.now });
    browser = await SuiteBrowser.launch();
    const issued = await h.api('POST', '/api/tokens', { role: 'doctor', subject: 'doc1' }, ADMIN_TOKEN);
    doctor = issued.body.token as string;
    patient = await connectDevice(h, 'b-0001');
    // A fast heart for a few minutes: a routine (not critical) vitals alert, shared with her doctor.
    for (let t = 0; t <= 150_000; t += 30_000) {
      await patient.telemetry({ ts: clock.now(), hr: 138, spo2: 96, sbp: 150, dbp: 90, worn: true }, 1);
      if (t < 150_000) clock.advance(30_000);
    }
    await alertFor(h, 'r1', 'vitals');
    // Another doctor's patient falls: nothing of it reaches Dr Chen.
    const other = await connectDevice(h, 'b-0002');
    await other.event({ type: 'fall', confidence: 0.9, lat: 30.2605, lon: 120.162 });
    await alertFor(h, 'r2', 'fall');
    await other.close();
    // Her other patient falls: an emergency, shown to her doctor under the emergency rule.
    const wang = await connectDevice(h, 'b-0003');
    await wang.event({ type: 'fall', confidence: 0.9, lat: 30.2667, lon: 120.1547 });
    await alertFor(h, 'r3', 'fall');
    await wang.close();
  });

  afterAll(async () => {
    await patient?.close();
    await browser?.close();
    await h?.dispose();
  });

  it('lists her own patients by name with their shared alerts and vitals, not another doctor’s, in en and zh', async () => {
    const vitalsAlert = await alertFor(h, 'r1', 'vitals');
    const watched = await browser.open(PHONE);
    const { page } = watched;
    await signIn(page, h.httpUrl, doctor, '/doctor');
    await page.locator('#doctor-title').waitFor();
    expect(await page.locator('#doctor-title').textContent()).toBe('My patients');
    expect(await page.locator('[data-patient] h2').allTextContents()).toEqual(['Li Guiying', 'Wang Shulan']);

    const li = page.locator('[data-patient="Li Guiying"]');
    const card = li.locator(`[data-alert="${vitalsAlert.id}"]`);
    await card.waitFor();
    expect(await card.locator('.kind').textContent()).toBe('Vital signs out of range');
    // Routine, shared by her choice: not marked as shared under the emergency rule.
    expect(await card.locator('[data-field="shared-under"]').count()).toBe(0);
    expect(await li.locator('[data-vital="hr"]').textContent()).toBe('Heart rate 138 bpm (138–138)');
    expect(await li.locator('[data-vital="bp"]').textContent()).toBe('Blood pressure 150/90 mmHg (mean)');

    const wang = page.locator('[data-patient="Wang Shulan"]');
    const fall = await alertFor(h, 'r3', 'fall');
    const fallCard = wang.locator(`[data-alert="${fall.id}"]`);
    expect(await fallCard.locator('.kind').textContent()).toBe('Fall');
    expect(await fallCard.locator('[data-field="shared-under"]').textContent()).toBe('Shared under the emergency rule');
    expect(await page.locator('[data-alert]').count()).toBe(2);
    expect(await wang.locator('[data-field="vitals"]').textContent()).toBe('This resident has not chosen to share vital signs with their doctor.');

    const text = (await page.locator('main').innerText()) + (await page.title());
    expect(text).not.toContain('Zhang Xiuying');
    for (const id of ['r1', 'r2', 'r3', 'b-0001', 'doc1', 'g1', vitalsAlert.id, fall.id]) expect(text).not.toContain(id);
    expect(await sidewaysOverflowPx(page)).toBe(0);
    await screenshot(page, 'doctor-en-360');

    await page.locator('button[data-pref="language"]').click();
    await page.locator('#doctor-title', { hasText: '我的患者' }).waitFor();
    expect(await card.locator('.kind').textContent()).toBe('生命体征异常');
    expect(await li.locator('[data-vital="hr"]').textContent()).toBe('心率 138 次/分（138–138）');
    expect(await wang.locator('[data-field="vitals"]').textContent()).toBe('该居民未同意向家庭医生分享生命体征。');
    expect(await fallCard.locator('[data-field="shared-under"]').textContent()).toBe('紧急情况下依法共享');
    await screenshot(page, 'doctor-zh-360');
    expect(watched.problems()).toEqual([]);

    // Her reads are in the access log, for her own patients only.
    const audit = (await h.api('GET', '/api/audit?actor=doc1')).body.entries as { action: string; resident: string }[];
    expect(audit.some((e) => e.action === 'read_doctor_page' && e.resident === 'r1')).toBe(true);
    expect(audit.some((e) => e.action === 'read_vitals' && e.resident === 'r1')).toBe(true);
    expect(audit.every((e) => e.resident === 'r1' || e.resident === 'r3')).toBe(true);
  });

  it('answers a doctor token only, with that doctor’s own patients', async () => {
    const worker = await h.api('POST', '/api/tokens', { role: 'worker', subject: 'w1' }, ADMIN_TOKEN);
    expect((await h.api('GET', '/api/doctor', undefined, worker.body.token as string)).status).toBe(403);
    const other = await h.api('POST', '/api/tokens', { role: 'doctor', subject: 'doc2' }, ADMIN_TOKEN);
    const hers = await h.api('GET', '/api/doctor', undefined, other.body.token as string);
    expect(hers.status).toBe(200);
    expect(hers.body.patients.map((p: { name: string }) => p.name)).toEqual(['Zhang Xiuying']);
    expect(hers.body.patients[0].shares).toEqual([]);
  });
});
