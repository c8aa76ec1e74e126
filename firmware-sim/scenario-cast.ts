import { distanceM } from './geo.js';
import { ruleScenarioCasts } from './scenario-cast-rules.js';
import type { ScenarioCast, ScenarioName } from './scenario-types.js';
import { residentOf, type SimAed, type SimDevice, type SimProvision, type SimResident } from './sim-provision.js';

export class CastingError extends Error {
  override name = 'CastingError';
}

export interface CastBracelet {
  device: SimDevice;
  resident: SimResident & { home: NonNullable<SimResident['home']> };
}

function braceletsWithHome(provision: SimProvision): CastBracelet[] {
  return provision.devices.flatMap((device) => {
    if (device.kind !== 'bracelet') return [];
    const resident = residentOf(provision, device);
    return resident?.home === undefined ? [] : [{ device, resident: resident as CastBracelet['resident'] }];
  });
}

/** The resident with dementia and a safe zone: the one the wandering rule watches. */
function wanderer(all: CastBracelet[]): CastBracelet | undefined {
  return all.find((b) => b.resident.conditions.includes('dementia') && b.resident.safeZone !== undefined);
}

/** The bracelet and AED cabinet closest together. */
function nearestToAed(all: CastBracelet[], provision: SimProvision, exclude: ReadonlySet<string>): { bracelet: CastBracelet; cabinet: SimDevice; aed: SimAed; distanceM: number } | undefined {
  let best: { bracelet: CastBracelet; cabinet: SimDevice; aed: SimAed; distanceM: number } | undefined;
  for (const cabinet of provision.devices.filter((d) => d.kind === 'aed')) {
    const aed = provision.aeds.find((a) => a.id === cabinet.aed);
    if (aed === undefined) continue;
    for (const bracelet of all) {
      if (exclude.has(bracelet.device.id)) continue;
      const d = distanceM(bracelet.resident.home, aed);
      if (best === undefined || d < best.distanceM) best = { bracelet, cabinet, aed, distanceM: d };
    }
  }
  return best;
}

/**
 * Default parts, each scenario a different resident, so the demo can run them side by side:
 * the wanderer is the resident with dementia, the collapse happens near an AED, and the other
 * scenarios take the next residents in file order.
 */
export function defaultCast(provision: SimProvision): Record<ScenarioName, ScenarioCast> {
  const all = braceletsWithHome(provision);
  const used = new Set<string>();
  const take = (b: CastBracelet | undefined): string | undefined => {
    if (b === undefined) return undefined;
    used.add(b.device.id);
    return b.device.id;
  };
  const next = (): string | undefined => take(all.find((b) => !used.has(b.device.id)));
  const wandering = take(wanderer(all));
  const nearAed = nearestToAed(all, provision, used);
  const aedBracelet = take(nearAed?.bracelet);
  const stayedIn = next();
  const fallNotCancelled = next();
  const fallCancelled = next();
  const air = provision.devices.find((d) => d.kind === 'air' && d.station !== undefined);
  const cast = (part: { [K in keyof ScenarioCast]: string | undefined }): ScenarioCast => Object.fromEntries(Object.entries(part).filter(([, v]) => v !== undefined)) as ScenarioCast;
  return {
    'fall-cancelled': cast({ bracelet: fallCancelled }),
    'fall-not-cancelled': cast({ bracelet: fallNotCancelled }),
    'stayed-in-13h': cast({ bracelet: stayedIn }),
    wandering: cast({ bracelet: wandering }),
    'aed-opened-near-fall': cast({ bracelet: aedBracelet, aedCabinet: nearAed?.cabinet.id }),
    'smog-afternoon': cast({ airStation: air?.id }),
    // Played in the street, through the gateway's API and the cabinets: no bracelet.
    'cardiac-arrest-rescue': {},
    ...ruleScenarioCasts(provision, used, new Set(nearAed === undefined ? [] : [nearAed.cabinet.id])),
  };
}

export function castBracelet(provision: SimProvision, deviceId: string | undefined, scenario: ScenarioName): CastBracelet {
  if (deviceId === undefined) throw new CastingError(`${scenario}: no suitable bracelet in the provision file (a resident with a home geofence)`);
  const found = braceletsWithHome(provision).find((b) => b.device.id === deviceId);
  if (found === undefined) throw new CastingError(`${scenario}: ${deviceId} is not a bracelet of a resident with a home geofence`);
  return found;
}
