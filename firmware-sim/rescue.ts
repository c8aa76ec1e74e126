import { parseArgs } from 'node:util';
import { SimulatedDevice } from './device-client.js';
import type { LatLon } from './geo.js';
import { planResponse, walk, type ResponderPlan } from './responder-model.js';
import { seededRandom } from './seeded-random.js';

/*
 * One cardiac-arrest rescue against a running gateway, end to end: the 120 centre reports it,
 * the volunteers the gateway asks answer (accepting with a probability), walk at walking speed
 * (accelerated) to their AED and on to the patient, reporting their position; the AED cabinet
 * opens when the gateway unlocks it. Prints the dispatcher's view as it changes.
 */

export interface RescueOptions {
  httpUrl: string;
  mqttUrl: string;
  adminToken: string;
  at: LatLon & { address?: string };
  /** Secrets of the AED cabinets' devices, by device id (the demo's: `demo-secret-<id>`). */
  cabinetSecret(deviceId: string): string;
  acceptP: number;
  /** Simulated seconds per real second. */
  speed: number;
  seed: string;
  log(line: string): void;
}

interface RunView {
  id: string;
  name: string;
  state: string;
  position: LatLon | null;
  aed: { id: string; name: string; lat: number; lon: number } | null;
}

/** Runs one rescue; resolves with the emergency's final view once an AED is on scene, or when nobody is left. */
export async function runRescue(options: RescueOptions): Promise<Record<string, unknown>> {
  const { log } = options;
  const random = seededRandom(options.seed);
  const api = async (method: string, path: string, token: string, body?: object): Promise<any> => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const response = await fetch(`${options.httpUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return response.json();
  };
  const tokenFor = async (role: string, subject?: string): Promise<string> => (await api('POST', '/api/tokens', options.adminToken, { role, ...(subject === undefined ? {} : { subject }), label: 'rescue simulator' })).token;

  // The cabinets open when told to: the door opens a few seconds after an unlock.
  const cabinets: SimulatedDevice[] = [];
  for (const device of (await api('GET', '/api/devices', options.adminToken)).items ?? []) {
    if (device.kind !== 'aed') continue;
    const cabinet = await SimulatedDevice.connect({ id: device.id, secret: options.cabinetSecret(device.id), url: options.mqttUrl, encoding: 'json' });
    cabinets.push(cabinet);
  }
  const dispatcher = await tokenFor('dispatcher');
  const emergency = await api('POST', '/api/emergencies', dispatcher, { ref: `sim-${options.seed}-${Date.now()}`, kind: 'cardiac_arrest', ...options.at });
  log(`emergency ${emergency.id}: ${emergency.kindLabel.en} at ${options.at.address ?? `${options.at.lat},${options.at.lon}`}; ${emergency.responders.length} volunteers asked`);

  const tokens = new Map<string, string>();
  const plans = new Map<string, { plan: ResponderPlan; position: LatLon; startedAtMs: number; leg: number; answered: boolean }>();
  const seenStates = new Map<string, string>();
  const tickMs = 200;
  const simSeconds = (tickMs / 1000) * options.speed;
  const patient = { lat: options.at.lat, lon: options.at.lon };
  try {
    for (;;) {
      const view = await api('GET', `/api/emergencies/${emergency.id}`, dispatcher);
      for (const run of view.responders as RunView[]) {
        if (seenStates.get(run.id) !== run.state) log(`  ${run.name}: ${run.state}${run.aed === null ? ' (straight to the patient)' : ` (via ${run.aed.name})`}`);
        seenStates.set(run.id, run.state);
        if (run.state === 'asked' && !plans.has(run.id) && run.position !== null) {
          plans.set(run.id, { plan: planResponse(random, options.acceptP, { aed: run.aed }, patient), position: run.position, startedAtMs: Date.now(), leg: 0, answered: false });
        }
      }
      for (const [id, p] of plans) {
        const token = tokens.get(id) ?? (await tokenFor('responder', id));
        tokens.set(id, token);
        if (!p.answered) {
          if ((Date.now() - p.startedAtMs) / 1000 * options.speed < p.plan.afterS) continue;
          p.answered = true;
          await api('POST', `/api/emergencies/${emergency.id}/responders/me/${p.plan.answer}`, token);
          continue;
        }
        if (p.plan.answer !== 'accept' || p.leg >= p.plan.legs.length) continue;
        const leg = p.plan.legs[p.leg]!;
        const step = walk(p.position, leg.to, simSeconds);
        p.position = step.at;
        await api('POST', '/api/responders/me/location', token, { ...step.at, available: true });
        if (step.arrived) {
          await api('POST', `/api/emergencies/${emergency.id}/responders/me/${leg.then === 'aed_collected' ? 'aed-collected' : 'on-scene'}`, token);
          p.leg += 1;
        }
      }
      for (const cabinet of cabinets) {
        while (cabinet.commands.length > 0) {
          const command = cabinet.commands.shift() as { cmd?: string; responder?: string };
          if (command.cmd !== 'unlock') continue;
          log(`  cabinet ${cabinet.options.id} unlocked for ${command.responder}; door opens`);
          await cabinet.event({ type: 'door_open' });
          await cabinet.event({ type: 'aed_removed' });
        }
      }
      const underway = (view.responders as RunView[]).some((r) => r.state === 'asked' || r.state === 'accepted' || r.state === 'aed_collected');
      if (view.outcome.timeToAedOnSceneS !== null || !underway) {
        log(`outcome: first acceptance after ${view.outcome.timeToFirstAcceptS} s, AED on scene after ${view.outcome.timeToAedOnSceneS} s (simulated at ${options.speed}x)`);
        return view;
      }
      await new Promise((resolve) => setTimeout(resolve, tickMs));
    }
  } finally {
    await Promise.all(cabinets.map((c) => c.close().catch(() => undefined)));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      http: { type: 'string', default: 'http://localhost:8080' },
      mqtt: { type: 'string', default: 'mqtt://localhost:1883' },
      token: { type: 'string', default: process.env.ADMIN_TOKEN ?? '' },
      lat: { type: 'string', default: '30.2655' },
      lon: { type: 'string', default: '120.1552' },
      accept: { type: 'string', default: '0.7' },
      speed: { type: 'string', default: '10' },
      seed: { type: 'string', default: 'rescue' },
    },
  });
  await runRescue({
    httpUrl: values.http,
    mqttUrl: values.mqtt,
    adminToken: values.token,
    at: { lat: Number(values.lat), lon: Number(values.lon), address: 'Fuxing Lane, Building 3' },
    cabinetSecret: (id) => `demo-secret-${id}`,
    acceptP: Number(values.accept),
    speed: Number(values.speed),
    seed: values.seed,
    log: (line) => void process.stdout.write(`${line}\n`),
  });
  process.exit(0);
}
