import { residentOf, type SimDevice, type SimProvision, type SimResident } from './sim-provision.js';
import type { ScenarioCast } from './scenario-types.js';

/*
 * Who plays the rule-by-rule scenarios (scenarios-bracelet.ts, scenarios-aed.ts,
 * scenarios-drill.ts): the residents and the cabinet the other scenarios leave free.
 */

export const BRACELET_SCENARIOS = ['vitals-unwell', 'sos-pressed', 'bracelet-offline', 'battery-low', 'not-worn'] as const;
export type BraceletScenarioName = (typeof BRACELET_SCENARIOS)[number];

export interface Wearer {
  device: SimDevice;
  resident: SimResident;
}

/** The bracelets of residents with a home geofence, in file order. */
export function wearers(provision: SimProvision): Wearer[] {
  return provision.devices.flatMap((device) => {
    if (device.kind !== 'bracelet') return [];
    const resident = residentOf(provision, device);
    return resident?.home === undefined ? [] : [{ device, resident }];
  });
}

/**
 * The bracelet scenarios take the residents the others leave free, in file order (when there are
 * fewer, they take turns: the demo plays them one after another); the cabinet's self-test is the
 * last cabinet the others leave alone; the drill is staged at the last free resident's home.
 */
export function ruleScenarioCasts(provision: SimProvision, takenBracelets: ReadonlySet<string>, takenCabinets: ReadonlySet<string>) {
  const all = wearers(provision);
  const free = all.filter((w) => !takenBracelets.has(w.device.id));
  const pool = free.length > 0 ? free : all;
  const pick = (i: number): ScenarioCast => (pool.length === 0 ? {} : { bracelet: pool[i % pool.length]!.device.id });
  const bracelets = Object.fromEntries(BRACELET_SCENARIOS.map((name, i) => [name, pick(i)])) as Record<BraceletScenarioName, ScenarioCast>;
  const cabinets = provision.devices.filter((d) => d.kind === 'aed' && provision.aeds.some((a) => a.id === d.aed));
  const cabinet = cabinets.filter((d) => !takenCabinets.has(d.id)).at(-1) ?? cabinets.at(-1);
  const drillAt = pool.at(-1);
  return {
    ...bracelets,
    'aed-self-test-failed': cabinet === undefined ? {} : { aedCabinet: cabinet.id },
    'drill-fall': drillAt === undefined ? {} : { bracelet: drillAt.device.id },
  };
}
