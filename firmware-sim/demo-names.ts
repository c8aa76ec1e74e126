import type { SimProvision } from './sim-provision.js';

/** What a person reads for an id of the demo community: a name, a place, never the id itself. */
export type Names = (id: string) => string;

export const idsAsNames: Names = (id) => id;

function named(raw: Record<string, unknown>, key: string, field: 'name' | 'description'): [string, string][] {
  const list = raw[key];
  if (!Array.isArray(list)) return [];
  return (list as Record<string, unknown>[]).flatMap((e) => (typeof e.id === 'string' && typeof e[field] === 'string' ? [[e.id, e[field]] as [string, string]] : []));
}

export function demoNames(provision: SimProvision): Names {
  const names = new Map<string, string>([
    ...named(provision.raw, 'grids', 'name'),
    ...named(provision.raw, 'workers', 'name'),
    ...named(provision.raw, 'responders', 'name'),
    ...named(provision.raw, 'doctors', 'name'),
    ...provision.stations.map((s) => [s.id, `${s.name} station`] as [string, string]),
    ...provision.residents.map((r) => [r.id, r.name] as [string, string]),
    ...provision.aeds.map((a) => [a.id, a.description === undefined ? 'an AED cabinet' : `the AED at ${a.description}`] as [string, string]),
  ]);
  for (const device of provision.devices) {
    const owner = device.resident === undefined ? undefined : names.get(device.resident);
    const cabinet = device.aed === undefined ? undefined : names.get(device.aed);
    // "the AED at the market" is the AED; its device is "the AED cabinet at the market".
    names.set(device.id, owner !== undefined ? `${owner}'s bracelet` : cabinet !== undefined ? cabinet.replace(/^the AED at /, 'the AED cabinet at ') : device.id);
  }
  return (id) => names.get(id) ?? id;
}
