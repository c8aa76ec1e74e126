import type { Community } from './community.js';
import { distanceM, type LatLon } from './geo.js';
import { formatLocalClock, MINUTE_MS } from './local-time.js';
import { walk } from './responder-model.js';
import { CastingError } from './scenario-cast.js';
import type { Scenario } from './scenario-types.js';
import type { SimProvision } from './sim-provision.js';

/*
 * A cardiac arrest in the street, rescued end to end through the gateway's HTTP API and the
 * cabinets' MQTT: the 120 centre's system reports it, the gateway pages the nearest volunteers,
 * the one sent via an AED accepts, the cabinet is unlocked and its door opens (expected: no
 * alarm), the volunteers walk there reporting where they are, arrive, are on scene; the ambulance
 * comes, the centre closes the emergency, the outcome is read back, the AED goes back and its
 * guardian confirms the restock. The centre and the volunteers' phones speak HTTP: the demo
 * attaches the gateway's API to the community (`attachRescueDesk`).
 */

const SECOND_MS = 1000;
const NAME = 'cardiac-arrest-rescue';

/** The gateway's API as the centre's system, the volunteers' phones and the guardian use it. */
export interface RescueDesk {
  /** `token` absent: the admin's. */
  api(method: 'GET' | 'POST', url: string, body?: object, token?: string): Promise<{ status: number; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  log(line: string): void;
}

const desks = new WeakMap<Community, RescueDesk>();

/** Lets the rescue scenario reach the gateway's HTTP API for this community. */
export function attachRescueDesk(community: Community, desk: RescueDesk): void {
  desks.set(community, desk);
}

interface Run {
  id: string;
  name: string;
  state: string;
  position: LatLon | null;
  aed: { id: string; name: string; lat: number; lon: number } | null;
}

/** The short name of a place: "Fuxing Lane market" of "Fuxing Lane market, by the east gate". */
const shortPlace = (description: string | undefined, fallback: string): string => description?.split(',')[0]?.trim() ?? fallback;

/** Where the collapse happens: the lane between the first two AEDs with a connected cabinet. */
function scene(provision: SimProvision): { at: LatLon; address: string; cabinets: string[]; aeds: string[] } {
  const cabinets = provision.devices.filter((d) => d.kind === 'aed' && provision.aeds.some((a) => a.id === d.aed));
  const aeds = cabinets.map((d) => provision.aeds.find((a) => a.id === d.aed)!);
  const [first, second] = aeds;
  if (first === undefined) throw new CastingError(`${NAME}: no AED cabinet with an AED in the provision file`);
  const other = second ?? first;
  return {
    at: { lat: (first.lat + other.lat) / 2, lon: (first.lon + other.lon) / 2 },
    address: other === first ? `outside ${shortPlace(first.description, 'the AED cabinet')}` : `the lane between ${shortPlace(first.description, 'the first AED')} and ${shortPlace(other.description, 'the second AED')}`,
    cabinets: cabinets.map((d) => d.id),
    aeds: aeds.map((a) => a.id),
  };
}

/** The whole rescue, as the centre, the volunteers and the cabinet play it, on the community's clock. */
async function playRescue(community: Community, desk: RescueDesk, where: ReturnType<typeof scene>, startedAtMs: number): Promise<void> {
  const { clock } = community;
  const say = (line: string): void => desk.log(`[${NAME}] ${formatLocalClock(clock.now(), community.provision.timeZone)} ${line}`);
  const must = async (what: string, call: Promise<{ status: number; body: any }>) => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const res = await call;
    if (res.status >= 300) throw new Error(`${what}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const tokenFor = async (role: string, subject?: string): Promise<string> =>
    (await must(`a ${role} token`, desk.api('POST', '/api/tokens', { role, ...(subject === undefined ? {} : { subject }), label: 'rescue demo' }))).token as string;

  const centre = await tokenFor('dispatcher');
  const created = await must(
    'the report',
    desk.api('POST', '/api/emergencies', { ref: `120-demo-${startedAtMs}`, kind: 'cardiac_arrest', ...where.at, address: where.address, note: 'man, about 70, not breathing; bystander doing CPR' }, centre),
  );
  const id = created.id as string;
  const view = async () => must('the dispatcher view', desk.api('GET', `/api/emergencies/${id}`, undefined, centre));
  const runs = (created.responders as Run[]).filter((r) => r.state === 'asked');
  if (runs.length === 0) {
    say('the gateway finds no available volunteer nearby and tells the centre at once: the ambulance is the only help coming');
    return;
  }
  const route = (r: Run) => (r.aed === null ? 'straight to the patient' : `via the AED at ${r.aed.name}`);
  say(`the gateway pages ${runs.length} volunteer(s) at once, each with their own route: ${runs.map((r) => `${r.name} ${route(r)}`).join('; ')}`);

  const runner = runs.find((r) => r.aed !== null);
  const helpers = runs.filter((r) => r !== runner).slice(0, 1);
  const walking = [...(runner === undefined ? [] : [runner]), ...helpers];
  const tokens = new Map<string, string>();
  for (const r of walking) tokens.set(r.id, await tokenFor('responder', r.id));
  const answer = (r: Run, what: string) => must(`${r.name}'s answer`, desk.api('POST', `/api/emergencies/${id}/responders/me/${what}`, undefined, tokens.get(r.id)));

  await clock.sleep(15 * SECOND_MS);
  let cabinetId: string | undefined;
  if (runner !== undefined && runner.aed !== null) {
    await answer(runner, 'accept');
    say(`${runner.name} accepts the AED run: to ${runner.aed.name} (${Math.round(distanceM(runner.position ?? where.at, runner.aed))} m), then to the patient`);
    const unlock = ((await view()).unlocks as { aedId: string; deviceId: string | null; validS: number }[]).find((u) => u.aedId === runner.aed?.id);
    cabinetId = unlock?.deviceId ?? undefined;
    if (cabinetId === undefined) say(`${runner.aed.name} has no connected cabinet: ${runner.name} opens it by hand`);
    else {
      const cabinet = community.aed(cabinetId);
      for (let i = 0; i < 100 && !cabinet.client.commands.some((c) => (c as { cmd?: string; emergencyId?: string }).emergencyId === id); i++) await clock.sleep(SECOND_MS);
      const got = cabinet.client.commands.some((c) => (c as { cmd?: string; emergencyId?: string }).cmd === 'unlock' && (c as { emergencyId?: string }).emergencyId === id);
      say(got ? `the cabinet at ${runner.aed.name} receives its unlock for ${runner.name} (valid ${unlock?.validS ?? '?'} s)` : `✗ the cabinet at ${runner.aed.name} received no unlock`);
    }
  }
  await clock.sleep(10 * SECOND_MS);
  for (const r of helpers) {
    await answer(r, 'accept');
    say(`${r.name} accepts and goes ${route(r)}`);
  }

  // They walk (about 5 km/h), reporting where they are every 10 s.
  const legs = new Map(walking.map((r) => [r.id, { at: r.position ?? where.at, toAed: r === runner && r.aed !== null }]));
  const stepS = 10;
  for (let steps = 0; legs.size > 0 && steps < (15 * MINUTE_MS) / (stepS * SECOND_MS); steps++) {
    await clock.sleep(stepS * SECOND_MS);
    for (const r of walking) {
      const leg = legs.get(r.id);
      if (leg === undefined) continue;
      const target = leg.toAed && r.aed !== null ? r.aed : where.at;
      const step = walk(leg.at, { lat: target.lat, lon: target.lon }, stepS);
      leg.at = step.at;
      await must(`${r.name}'s position`, desk.api('POST', '/api/responders/me/location', { lat: step.at.lat, lon: step.at.lon, available: true }, tokens.get(r.id)));
      if (!step.arrived) continue;
      if (leg.toAed && r.aed !== null) {
        leg.toAed = false;
        say(`${r.name} arrives at ${r.aed.name}`);
        if (cabinetId !== undefined) {
          const cabinet = community.aed(cabinetId);
          cabinet.act((m, now) => m.openDoor(now));
          cabinet.act((m, now) => m.removeAed(now));
          cabinet.act((m, now) => m.closeDoor(now));
          await cabinet.drain();
        }
        await answer(r, 'aed-collected');
        const opened = await waitForTimeline(view, clock, 'cabinet_opened');
        const alarms = ((await must('the alerts', desk.api('GET', '/api/alerts?kind=aed_opened&limit=50'))).alerts as { subject: string; createdAt: string | number }[]).filter(
          (a) => a.subject === r.aed?.id && new Date(a.createdAt).getTime() >= startedAtMs,
        );
        say(
          opened !== undefined && alarms.length === 0
            ? `the cabinet door opens as expected and ${r.name} takes the AED: no unexplained-opening alarm; the emergency's timeline says "${opened}"`
            : `✗ the cabinet's opening ${alarms.length > 0 ? 'raised an aed_opened alarm' : 'is not on the emergency timeline'}`,
        );
      } else {
        legs.delete(r.id);
        await answer(r, 'on-scene');
        say(`${r.name} is on scene${r === runner ? ' with the AED' : ''}, ${Math.round((clock.now() - startedAtMs) / 1000)} s after the report`);
      }
    }
  }

  await clock.sleep(3 * MINUTE_MS);
  await must('the ambulance', desk.api('POST', `/api/emergencies/${id}/ambulance-arrived`, {}, centre));
  say('the ambulance arrives; the centre reports it');
  await must('the close', desk.api('POST', `/api/emergencies/${id}/close`, { note: 'handed over to the ambulance crew' }, centre));
  const outcome = (await view()).outcome as { timeToFirstAcceptS: number | null; timeToAedOnSceneS: number | null; attended: { name: string }[]; aedUsed: { name: string } | null; timeToAmbulanceS: number | null };
  say(
    `outcome: first acceptance after ${outcome.timeToFirstAcceptS ?? '—'} s, AED on scene after ${outcome.timeToAedOnSceneS ?? '—'} s, attended by ${outcome.attended.map((a) => a.name).join(' and ') || 'nobody'}, AED used: ${outcome.aedUsed?.name ?? 'none'}, ambulance after ${outcome.timeToAmbulanceS ?? '—'} s`,
  );

  // The AED comes back; its guardian replaces the pads and confirms the cabinet ready again.
  if (cabinetId !== undefined && runner !== undefined && runner.aed !== null) {
    const cabinet = community.aed(cabinetId);
    cabinet.act((m, now) => m.openDoor(now));
    cabinet.act((m, now) => m.returnAed(now));
    cabinet.act((m, now) => m.closeDoor(now));
    await cabinet.drain();
    await clock.sleep(MINUTE_MS);
    await must('the restock', desk.api('POST', `/api/aeds/${runner.aed.id}/restock`, {}));
    say(`the AED is back in its cabinet at ${runner.aed.name}; the pads are replaced and the restock confirmed`);
  }
}

/** A timeline line of this type, once the gateway has written it (polled on the simulated clock). */
async function waitForTimeline(view: () => Promise<any>, clock: Community['clock'], type: string): Promise<string | undefined> { // eslint-disable-line @typescript-eslint/no-explicit-any
  for (let i = 0; i < 30; i++) {
    const line = ((await view()).timeline as { type: string; text: string }[]).find((t) => t.type === type);
    if (line !== undefined) return line.text;
    await clock.sleep(SECOND_MS);
  }
  return undefined;
}

export function cardiacArrestRescue(provision: SimProvision): Scenario {
  const where = scene(provision);
  return {
    name: NAME,
    summary: `A man of about 70 collapses in ${where.address}; a passer-by calls 120 and starts CPR. The centre's system reports a cardiac arrest; the gateway pages the nearest volunteers, unlocks the AED cabinet for the one who fetches it, and records the outcome. No aed_opened alarm: the opening is expected.`,
    deviceIds: where.cabinets,
    subjects: where.aeds,
    durationMs: 25 * MINUTE_MS,
    expectedAlerts: [],
    steps: [
      {
        atMs: 0,
        say: 'the 120 centre reports a cardiac arrest to the gateway',
        act: (community, nowMs) => {
          const desk = desks.get(community);
          if (desk === undefined) return ' (could not: this community has no gateway API attached)';
          playRescue(community, desk, where, nowMs).catch((err: unknown) => desk.log(`[${NAME}] ✗ the rescue stopped: ${err instanceof Error ? err.message : String(err)}`));
          return '';
        },
      },
      { atMs: 24 * MINUTE_MS, say: 'the rescue is over: the emergency is closed with its outcome, the cabinet ready again' },
    ],
  };
}
