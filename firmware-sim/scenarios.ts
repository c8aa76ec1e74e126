import type { Community } from './community.js';
import { bearingDeg, distanceM } from './geo.js';
import { HOUR_MS, MINUTE_MS } from './local-time.js';
import { castBracelet, CastingError, defaultCast } from './scenario-cast.js';
import { cardiacArrestRescue } from './scenario-rescue.js';
import type { Scenario, ScenarioCast, ScenarioName } from './scenario-types.js';
import { aedSelfTestFailed } from './scenarios-aed.js';
import { BRACELET_FACTORIES } from './scenarios-bracelet.js';
import { drillFall } from './scenarios-drill.js';
import type { SimProvision } from './sim-provision.js';

const SECOND_MS = 1000;

/** A rule setting from the provision file's `rules:` block, or the default of DESIGN.md. */
function ruleSetting(provision: SimProvision, rule: string, key: string, fallback: number): number {
  const rules = provision.raw.rules as Record<string, Record<string, unknown> | undefined> | undefined;
  const value = rules?.[rule]?.[key];
  return typeof value === 'number' ? value : fallback;
}

const fallDetail = (messages: { body: unknown }[]): string => {
  const event = messages[0]?.body as { confidence?: number } | undefined;
  return event?.confidence === undefined ? '' : ` (confidence ${event.confidence.toFixed(2)})`;
};

function fallCancelled(provision: SimProvision, cast: ScenarioCast): Scenario {
  const { device, resident } = castBracelet(provision, cast.bracelet, 'fall-cancelled');
  const windowS = ruleSetting(provision, 'fall', 'cancelWindowS', 30);
  return {
    name: 'fall-cancelled',
    summary: `${resident.name} slips at home and presses "I'm OK" within the ${windowS} s cancel window: the gateway records a false alarm and pages no one.`,
    deviceIds: [device.id],
    subjects: [resident.id],
    durationMs: 5 * MINUTE_MS,
    expectedAlerts: [],
    steps: [
      {
        atMs: 0,
        say: `${resident.name} slips in the kitchen; ${device.id} detects a fall`,
        act: (c, now) => {
          const messages = c.bracelet(device.id).model.fall(now, 'soft');
          c.bracelet(device.id).send(messages);
          return fallDetail(messages);
        },
      },
      { atMs: Math.min(12, windowS / 2) * SECOND_MS, say: `${resident.name} presses "I'm OK" on the bracelet`, act: (c) => c.bracelet(device.id).act((m, now) => m.cancelFall(now)) },
      { atMs: (windowS + 30) * SECOND_MS, say: `the cancel window is over: no fall alert should be open for ${resident.id}` },
    ],
  };
}

function fallNotCancelled(provision: SimProvision, cast: ScenarioCast): Scenario {
  const { device, resident } = castBracelet(provision, cast.bracelet, 'fall-not-cancelled');
  const windowS = ruleSetting(provision, 'fall', 'cancelWindowS', 30);
  return {
    name: 'fall-not-cancelled',
    summary: `${resident.name} falls hard at home and cannot get up: after the ${windowS} s cancel window the gateway raises a critical fall alert and pages the on-duty worker, then escalates while no one acknowledges.`,
    deviceIds: [device.id],
    subjects: [resident.id],
    durationMs: 20 * MINUTE_MS,
    expectedAlerts: [{ kind: 'fall', subject: resident.id, severity: 'critical' }],
    steps: [
      {
        atMs: 0,
        say: `${resident.name} falls in the bathroom; ${device.id} detects a hard fall`,
        act: (c, now) => {
          const messages = c.bracelet(device.id).model.fall(now, 'hard');
          c.bracelet(device.id).send(messages);
          return fallDetail(messages);
        },
      },
      { atMs: (windowS + 1) * SECOND_MS, say: `no "I'm OK" within ${windowS} s: a critical fall alert should be open and the on-duty worker paged` },
      { atMs: windowS * SECOND_MS + 3 * MINUTE_MS + 30 * SECOND_MS, say: 'if no one has acknowledged, the alert should have escalated to the backup worker and family' },
      { atMs: 15 * MINUTE_MS, say: `a worker arrives and helps ${resident.name} up`, act: (c, now) => c.bracelet(device.id).model.recover(now) },
    ],
  };
}

function stayedIn13h(provision: SimProvision, cast: ScenarioCast): Scenario {
  const { device, resident } = castBracelet(provision, cast.bracelet, 'stayed-in-13h');
  const afterS = ruleSetting(provision, 'stayedIn', 'afterS', 12 * 3600);
  const stayMs = 13 * HOUR_MS;
  const progress = [2, 4, 6, 8, 10].map((h) => ({ atMs: h * HOUR_MS, say: `${resident.name} is still at home (${h} h)` }));
  return {
    name: 'stayed-in-13h',
    summary: `${resident.name} feels low and stays at home for 13 hours, moving about indoors with the bracelet on: after ${afterS / 3600} h the gateway raises a medium stayed_in alert so a worker visits.`,
    deviceIds: [device.id],
    subjects: [resident.id],
    startsAt: '07:00',
    durationMs: stayMs + 40 * MINUTE_MS,
    expectedAlerts: [{ kind: 'stayed_in', subject: resident.id, severity: 'medium' }],
    steps: [
      { atMs: 0, say: `${resident.name} decides not to go out today`, act: (c, now) => c.bracelet(device.id).model.stayIn(now, now + stayMs) },
      ...progress,
      { atMs: afterS * SECOND_MS + 2 * MINUTE_MS, say: `${afterS / 3600} h inside the home geofence: a stayed_in alert should be open` },
      { atMs: stayMs, say: `${resident.name} finally goes out for a short walk; the alert should clear`, act: (c, now) => c.bracelet(device.id).model.goOut(now, 30) },
    ],
  };
}

function wandering(provision: SimProvision, cast: ScenarioCast): Scenario {
  const { device, resident } = castBracelet(provision, cast.bracelet, 'wandering');
  const zone = resident.safeZone;
  if (zone === undefined || !resident.conditions.includes('dementia')) {
    throw new CastingError(`wandering: ${resident.id} has no safe zone or no dementia condition, so the wandering rule does not watch them`);
  }
  const speedMps = 0.9;
  const farM = zone.radiusM + 400;
  // Away from the safe zone's centre, so the walk crosses its edge.
  const bearing = distanceM(zone, resident.home) > 1 ? bearingDeg(zone, resident.home) : 40;
  const startFromEdgeM = zone.radiusM - distanceM(zone, resident.home);
  const crossMs = Math.ceil((startFromEdgeM / speedMps) * SECOND_MS);
  const foundMs = crossMs + 25 * MINUTE_MS;
  const backMs = foundMs + Math.ceil((farM / 0.8) * SECOND_MS);
  return {
    name: 'wandering',
    summary: `${resident.name} (dementia) walks out of the ${zone.radiusM} m safe zone and keeps going: the gateway raises a high wandering alert; a worker finds ${resident.name} and walks them home, and the alert clears.`,
    deviceIds: [device.id],
    subjects: [resident.id],
    durationMs: backMs + 10 * MINUTE_MS,
    expectedAlerts: [{ kind: 'wandering', subject: resident.id, severity: 'high' }],
    steps: [
      {
        atMs: 0,
        say: `${resident.name} leaves home alone and walks off`,
        act: (c, now) => c.bracelet(device.id).model.startWandering(now, { bearingDeg: bearing, speedMps, maxDistanceM: farM }),
      },
      { atMs: crossMs + MINUTE_MS, say: `past the ${zone.radiusM} m safe zone: a high wandering alert should be open` },
      { atMs: foundMs, say: `a worker finds ${resident.name} ${farM} m from home and walks them back`, act: (c, now) => c.bracelet(device.id).model.bringHome(now, 0.8) },
      { atMs: backMs + 2 * MINUTE_MS, say: `${resident.name} is home: the wandering alert should have cleared` },
    ],
  };
}

function aedOpenedNearFall(provision: SimProvision, cast: ScenarioCast): Scenario {
  const { device, resident } = castBracelet(provision, cast.bracelet, 'aed-opened-near-fall');
  const cabinet = provision.devices.find((d) => d.id === cast.aedCabinet && d.kind === 'aed');
  const aed = provision.aeds.find((a) => a.id === cabinet?.aed);
  if (cabinet === undefined || aed === undefined) throw new CastingError('aed-opened-near-fall: no AED cabinet with an AED in the provision file');
  const metres = Math.round(distanceM(resident.home, aed));
  const where = aed.description ?? aed.id;
  const windowS = ruleSetting(provision, 'fall', 'cancelWindowS', 30);
  const cabinetStep = (atMs: number, say: string, action: 'openDoor' | 'closeDoor' | 'removeAed' | 'returnAed') => ({
    atMs,
    say,
    act: (c: Community) => c.aed(cabinet.id).act((m, now) => m[action](now)),
  });
  return {
    name: 'aed-opened-near-fall',
    summary: `${resident.name} collapses ${metres} m from the AED cabinet (${where}); a neighbour fetches the AED. The gateway raises a critical fall alert and a critical aed_opened alert, and pages the nearest responders.`,
    deviceIds: [device.id, cabinet.id],
    subjects: [resident.id, aed.id],
    durationMs: 25 * MINUTE_MS,
    expectedAlerts: [
      { kind: 'fall', subject: resident.id, severity: 'critical' },
      { kind: 'aed_opened', subject: aed.id, severity: 'critical' },
    ],
    steps: [
      {
        atMs: 0,
        say: `${resident.name} collapses at home; ${device.id} detects a hard fall`,
        act: (c, now) => {
          const messages = c.bracelet(device.id).model.fall(now, 'hard');
          c.bracelet(device.id).send(messages);
          return fallDetail(messages);
        },
      },
      { atMs: (windowS + 1) * SECOND_MS, say: 'no "I\'m OK": a critical fall alert should be open' },
      cabinetStep(45 * SECOND_MS, `a neighbour runs ${metres} m to ${where} and opens cabinet ${cabinet.id}`, 'openDoor'),
      cabinetStep(60 * SECOND_MS, 'takes the AED out', 'removeAed'),
      cabinetStep(70 * SECOND_MS, 'the neighbour shuts the cabinet and runs back: an aed_opened alert should be open and the nearest responders paged', 'closeDoor'),
      { atMs: 18 * MINUTE_MS, say: `the ambulance takes ${resident.name} to hospital`, act: (c, now) => c.bracelet(device.id).model.recover(now) },
      cabinetStep(20 * MINUTE_MS, 'the AED is brought back', 'openDoor'),
      cabinetStep(20 * MINUTE_MS + 10 * SECOND_MS, 'put back in the cabinet', 'returnAed'),
      cabinetStep(20 * MINUTE_MS + 20 * SECOND_MS, 'and the door closed', 'closeDoor'),
    ],
  };
}

function smogAfternoon(provision: SimProvision, cast: ScenarioCast): Scenario {
  const device = provision.devices.find((d) => d.id === cast.airStation && d.kind === 'air');
  const station = provision.stations.find((s) => s.id === device?.station);
  if (device === undefined || station === undefined) throw new CastingError('smog-afternoon: no air station device with a station in the provision file');
  const episodeMs = 7 * HOUR_MS;
  const report = (c: Community): string => {
    const r = c.airStation(device.id).model.lastReport;
    return r === undefined ? '' : `: PM2.5 ${r.pm25}, PM10 ${r.pm10}, O3 ${r.o3}, NO2 ${r.no2} µg/m³`;
  };
  const hourly = [1, 2, 4, 5, 6].map((h) => ({ atMs: h * HOUR_MS, say: `${station.name} after ${h} h`, act: report }));
  return {
    name: 'smog-afternoon',
    summary: `Still air and strong sun over ${station.name}: PM2.5 builds up and ozone climbs through the afternoon. The index reaches the high band and the workers of at-risk residents around the station are notified; in the evening wind clears the air.`,
    deviceIds: [device.id],
    subjects: [station.id],
    startsAt: '11:00',
    durationMs: episodeMs + HOUR_MS,
    expectedAlerts: [{ kind: 'aqhi_high', subject: station.id, severity: 'medium' }],
    steps: [
      {
        atMs: 0,
        say: `an inversion settles over ${station.name}`,
        act: (c, now) => {
          c.airStation(device.id).model.addEpisode({ startMs: now, endMs: now + episodeMs, pm25: 150, o3: 120, no2: 25, label: 'smog afternoon' });
          return report(c);
        },
      },
      ...hourly,
      { atMs: 3 * HOUR_MS, say: `three hours of smog: the index at ${station.id} should be in the high band and an aqhi_high notice sent`, act: report },
      { atMs: episodeMs, say: 'a front brings wind; the air clears', act: report },
    ],
  };
}

const FACTORIES: Record<ScenarioName, (provision: SimProvision, cast: ScenarioCast) => Scenario> = {
  'fall-cancelled': fallCancelled,
  'fall-not-cancelled': fallNotCancelled,
  'stayed-in-13h': stayedIn13h,
  wandering,
  'aed-opened-near-fall': aedOpenedNearFall,
  'smog-afternoon': smogAfternoon,
  'cardiac-arrest-rescue': cardiacArrestRescue,
  ...BRACELET_FACTORIES,
  'aed-self-test-failed': aedSelfTestFailed,
  'drill-fall': drillFall,
};

/** The scenario with its parts cast from the provision file; `cast` overrides the defaults. */
export function buildScenario(name: ScenarioName, provision: SimProvision, cast: ScenarioCast = {}): Scenario {
  const parts = { ...defaultCast(provision)[name], ...cast };
  const scenario = FACTORIES[name](provision, parts);
  scenario.steps.sort((a, b) => a.atMs - b.atMs);
  return scenario;
}
