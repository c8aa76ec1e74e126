import { afterEach, describe, expect, it } from 'vitest';
import { runRescue } from '../../firmware-sim/rescue.js';
import { walk } from '../../firmware-sim/responder-model.js';
import { ADMIN_TOKEN, SECRETS, TEST_PROVISION, startHarness, type Harness } from '../helpers/gateway-harness.js';
import { startReceiver, type HttpReceiver } from '../helpers/http-receiver.js';

/*
 * The simulated rescue end to end on a real gateway: the centre's report, volunteers who answer
 * and walk (accelerated), the cabinet that opens on its unlock command over real MQTT.
 */

const PATIENT = { lat: 30.2655, lon: 120.1552 };

describe('a simulated cardiac-arrest rescue', () => {
  let h: Harness | undefined;
  let receiver: HttpReceiver | undefined;
  afterEach(async () => {
    await h?.dispose();
    await receiver?.close();
  });

  it('walks at walking speed', () => {
    const step = walk(PATIENT, { lat: PATIENT.lat + 0.001, lon: PATIENT.lon }, 10);
    expect(step.arrived).toBe(false);
    expect(step.at.lat - PATIENT.lat).toBeCloseTo(14 / 111_195, 6);
    expect(walk(PATIENT, { lat: PATIENT.lat + 0.0001, lon: PATIENT.lon }, 10).arrived).toBe(true);
  });

  it('brings the AED to the patient: the volunteer fetches it from the unlocked cabinet, another comes straight', async () => {
    const pages = (receiver = await startReceiver());
    const responder = (id: string, dLat: number) => ({ id, name: `Volunteer ${id}`, certifiedUntil: '2030-01-01', available: true, lat: PATIENT.lat + dLat, lon: PATIENT.lon, channels: [{ type: 'webhook', url: pages.url(`/${id}`) }] });
    const gw = (h = await startHarness({ provision: { ...TEST_PROVISION, responders: [responder('v1', 0.0012), responder('v2', -0.0008)] } }));
    const lines: string[] = [];
    const view = (await runRescue({
      httpUrl: gw.httpUrl,
      mqttUrl: gw.mqttUrl,
      adminToken: ADMIN_TOKEN,
      at: { ...PATIENT, address: 'Building 3' },
      cabinetSecret: (id) => SECRETS[id]!,
      acceptP: 1,
      speed: 100,
      seed: 'test',
      log: (line) => lines.push(line),
    })) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(view.outcome.aedUsed).toMatchObject({ id: 'a1' });
    expect(view.outcome.timeToAedOnSceneS).not.toBeNull();
    expect(view.unlocks).toHaveLength(1);
    expect(view.timeline.map((t: { type: string }) => t.type)).toContain('cabinet_opened');
    const fetcher = view.responders.find((r: { aed: unknown }) => r.aed !== null);
    expect(fetcher.state).toBe('on_scene');
    expect(view.responders.filter((r: { aed: unknown }) => r.aed === null)).toHaveLength(1);
    expect(lines.some((l) => l.includes('unlocked for'))).toBe(true);
    expect((await gw.api('GET', '/api/alerts?kind=aed_opened')).body.alerts).toEqual([]);
  }, 60_000);
});
