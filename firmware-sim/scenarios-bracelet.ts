import { HOUR_MS, MINUTE_MS } from './local-time.js';
import { CastingError } from './scenario-cast.js';
import type { Scenario, ScenarioCast } from './scenario-types.js';
import { wearers, type BraceletScenarioName } from './scenario-cast-rules.js';
import type { SimProvision } from './sim-provision.js';

/*
 * One scenario for each bracelet rule the other scenarios leave alone: vital signs out of range,
 * the SOS button, a bracelet gone silent, a flat battery, a bracelet left off the wrist. Each
 * names the resident, never the device, and says what the gateway should make of it.
 */

const SECOND_MS = 1000;

/** A rule setting from the provision file's `rules:` block, or the gateway's default. */
function ruleSetting(provision: SimProvision, rule: string, key: string, fallback: number): number {
  const rules = provision.raw.rules as Record<string, Record<string, unknown> | undefined> | undefined;
  const value = rules?.[rule]?.[key];
  return typeof value === 'number' ? value : fallback;
}

function wearer(provision: SimProvision, deviceId: string | undefined, scenario: string): ReturnType<typeof wearers>[number] {
  const found = wearers(provision).find((w) => w.device.id === deviceId);
  if (found === undefined) throw new CastingError(`${scenario}: no bracelet of a resident with a home geofence to play it (${deviceId ?? 'none cast'})`);
  return found;
}

function vitalsUnwell(provision: SimProvision, cast: ScenarioCast): Scenario {
  const { device, resident } = wearer(provision, cast.bracelet, 'vitals-unwell');
  const forS = ruleSetting(provision, 'vitals', 'forS', 120);
  const unwellMs = 20 * MINUTE_MS;
  return {
    name: 'vitals-unwell',
    summary: `${resident.name} comes down with a chest infection: the heart races at about 138 a minute and oxygen falls to about 86 %. After ${forS} s out of range the gateway raises a high vitals alert; once the readings have been back in range for a while it clears.`,
    deviceIds: [device.id],
    subjects: [resident.id],
    durationMs: unwellMs + 15 * MINUTE_MS,
    expectedAlerts: [{ kind: 'vitals', subject: resident.id, severity: 'high' }],
    steps: [
      {
        atMs: 0,
        say: `${resident.name} feels breathless; the bracelet reads a racing heart and low oxygen`,
        act: (c, now) => c.bracelet(device.id).model.feelUnwell(now, now + unwellMs, { hr: 138, spo2: 86 }),
      },
      { atMs: forS * SECOND_MS + 3 * MINUTE_MS, say: `out of range for over ${forS} s: a high vitals alert should be open for ${resident.name}` },
      { atMs: unwellMs, say: `the family doctor sees ${resident.name}; with oxygen and rest the readings settle` },
      { atMs: unwellMs + 12 * MINUTE_MS, say: 'back in range for a while: the vitals alert should have cleared' },
    ],
  };
}

function sosPressed(provision: SimProvision, cast: ScenarioCast): Scenario {
  const { device, resident } = wearer(provision, cast.bracelet, 'sos-pressed');
  return {
    name: 'sos-pressed',
    summary: `${resident.name} feels chest pain and presses the SOS button: the gateway raises a critical SOS alert at once (an SOS has no cancel window) and pages the on-duty worker and the call chain.`,
    deviceIds: [device.id],
    subjects: [resident.id],
    durationMs: 10 * MINUTE_MS,
    expectedAlerts: [{ kind: 'sos', subject: resident.id, severity: 'critical' }],
    steps: [
      { atMs: 0, say: `${resident.name} presses the SOS button`, act: (c) => c.bracelet(device.id).act((m, now) => m.sos(now)) },
      { atMs: 30 * SECOND_MS, say: `a critical SOS alert should be open for ${resident.name} and the on-duty worker paged` },
      { atMs: 8 * MINUTE_MS, say: `a worker reaches ${resident.name}` },
    ],
  };
}

function braceletOffline(provision: SimProvision, cast: ScenarioCast): Scenario {
  const { device, resident } = wearer(provision, cast.bracelet, 'bracelet-offline');
  const afterS = ruleSetting(provision, 'deviceOffline', 'afterS', 1800);
  const backMs = afterS * SECOND_MS + 10 * MINUTE_MS;
  return {
    name: 'bracelet-offline',
    summary: `${resident.name}'s bracelet loses its mobile connection and falls silent: after ${afterS / 60} min without a message the gateway raises a medium device_offline alert; when it comes back it clears.`,
    deviceIds: [device.id],
    subjects: [resident.id],
    durationMs: backMs + 5 * MINUTE_MS,
    expectedAlerts: [{ kind: 'device_offline', subject: resident.id, severity: 'medium' }],
    steps: [
      { atMs: 0, say: `${resident.name}'s bracelet drops off the network without a goodbye`, act: (c) => c.bracelet(device.id).crash() },
      { atMs: afterS * SECOND_MS + 3 * MINUTE_MS, say: `silent for over ${afterS / 60} min: a device_offline alert should be open for ${resident.name}` },
      {
        atMs: backMs,
        say: `${resident.name}'s bracelet finds the network again`,
        // A failed reconnect shows in the check: the alert stays open.
        act: (c) => void c.bracelet(device.id).start().catch(() => undefined),
      },
      { atMs: backMs + 3 * MINUTE_MS, say: 'reporting again: the device_offline alert should have cleared' },
    ],
  };
}

function batteryLow(provision: SimProvision, cast: ScenarioCast): Scenario {
  const { device, resident } = wearer(provision, cast.bracelet, 'battery-low');
  const belowPct = ruleSetting(provision, 'batteryLow', 'belowPct', 15);
  return {
    name: 'battery-low',
    summary: `${resident.name} forgot to charge the bracelet last night: the battery is down to ${belowPct - 3} %, the gateway raises a low battery_low alert so someone reminds them; once charged it clears.`,
    deviceIds: [device.id],
    subjects: [resident.id],
    durationMs: 30 * MINUTE_MS,
    expectedAlerts: [{ kind: 'battery_low', subject: resident.id, severity: 'low' }],
    steps: [
      { atMs: 0, say: `${resident.name}'s bracelet is nearly flat`, act: (c, now) => c.bracelet(device.id).model.setBattery(now, belowPct - 3) },
      { atMs: 5 * MINUTE_MS, say: `below ${belowPct} %: a battery_low alert should be open for ${resident.name}` },
      { atMs: 15 * MINUTE_MS, say: `a neighbour reminds ${resident.name}, who charges the bracelet`, act: (c, now) => c.bracelet(device.id).model.setBattery(now, 100) },
      { atMs: 25 * MINUTE_MS, say: 'charged: the battery_low alert should have cleared' },
    ],
  };
}

function notWorn(provision: SimProvision, cast: ScenarioCast): Scenario {
  const { device, resident } = wearer(provision, cast.bracelet, 'not-worn');
  const afterS = ruleSetting(provision, 'notWorn', 'afterS', 2 * 3600);
  const backMs = afterS * SECOND_MS + 20 * MINUTE_MS;
  return {
    name: 'not-worn',
    summary: `${resident.name} takes the bracelet off to wash and leaves it by the sink: after ${afterS / 3600} h off the wrist in the daytime the gateway raises a not_worn alert; when it is back on it clears.`,
    deviceIds: [device.id],
    subjects: [resident.id],
    startsAt: '09:00',
    durationMs: backMs + 10 * MINUTE_MS,
    expectedAlerts: [{ kind: 'not_worn', subject: resident.id, severity: 'low' }],
    steps: [
      { atMs: 0, say: `${resident.name} takes the bracelet off and forgets it`, act: (c, now) => c.bracelet(device.id).model.takeOff(now) },
      { atMs: HOUR_MS, say: `${resident.name}'s bracelet has been off for an hour` },
      { atMs: afterS * SECOND_MS + 10 * MINUTE_MS, say: `off for over ${afterS / 3600} h: a not_worn alert should be open for ${resident.name}` },
      { atMs: backMs, say: `a worker calls; ${resident.name} puts the bracelet back on`, act: (c, now) => c.bracelet(device.id).model.putOn(now) },
      { atMs: backMs + 8 * MINUTE_MS, say: 'worn again: the not_worn alert should have cleared' },
    ],
  };
}

export const BRACELET_FACTORIES: Record<BraceletScenarioName, (provision: SimProvision, cast: ScenarioCast) => Scenario> = {
  'vitals-unwell': vitalsUnwell,
  'sos-pressed': sosPressed,
  'bracelet-offline': braceletOffline,
  'battery-low': batteryLow,
  'not-worn': notWorn,
};
