import type { ResponderRun } from '../../rules/aed/index.js';
import { distanceM } from '../../rules/safety/geo.js';
import type { Registry } from '../registry/registry.js';
import type { Emergency } from './emergency-store.js';
import { aedName, EMERGENCY_KIND_LABELS, responderName } from './emergency-view.js';

/** Where: the address the centre gave, and the coordinates (what a map app opens). */
function place(emergency: Emergency): string {
  const at = `${emergency.lat.toFixed(5)},${emergency.lon.toFixed(5)}`;
  return emergency.address === null ? at : `${emergency.address} (${at})`;
}

/** The dispatch page a responder gets: what, where, and their own route, in zh and en. */
export function dispatchText(registry: Registry, emergency: Emergency, run: ResponderRun, link: string): string {
  const label = EMERGENCY_KIND_LABELS[emergency.kind];
  const parts = [`[急救 RESCUE] ${label.zh} ${label.en}`, place(emergency)];
  if (run.aedId !== null) {
    const aed = aedName(registry, run.aedId);
    parts.push(`先取AED: ${aed} (${run.toAedM} m), 再去现场 · Fetch the AED first: ${aed} (${run.toAedM} m), then go to the patient (${run.routeM} m in all)`);
  } else {
    parts.push(`直接去现场 (${run.directM} m), AED由他人取 · Go straight to the patient (${run.directM} m); someone else brings the AED`);
  }
  parts.push(`接受/拒绝 Accept or decline: ${link}`);
  return parts.join('. ');
}

/** One line the centre's system and the dispatcher read for a change. */
export function centreText(registry: Registry, emergency: Emergency, changes: readonly string[]): string {
  const label = EMERGENCY_KIND_LABELS[emergency.kind];
  const coming = emergency.dispatch.runs.filter((r) => r.state === 'accepted' || r.state === 'aed_collected' || r.state === 'on_scene');
  const who = coming.length === 0 ? 'nobody has accepted yet' : coming.map((r) => `${responderName(registry, r.responderId)} ${r.state.replace('_', ' ')}`).join(', ');
  const none = emergency.dispatch.noRespondersAtMs !== null && coming.length === 0 ? ' NO RESPONDER AVAILABLE: send others.' : '';
  return `${label.zh} ${label.en}, ${place(emergency)} [${emergency.ref}]: ${changes.join(', ')}. ${who}.${none}`;
}

/** Where a responder on the way is, for the centre: how far from the patient, and from their AED while fetching it. */
export function positionText(registry: Registry, emergency: Emergency, run: ResponderRun, at: { lat: number; lon: number }): string {
  const name = responderName(registry, run.responderId);
  const toPatient = Math.round(distanceM(at.lat, at.lon, emergency.lat, emergency.lon));
  const aed = run.aedId === null ? undefined : registry.get('aeds', run.aedId);
  const fetching = run.state === 'accepted' && aed !== undefined;
  const toAed = fetching ? `, ${Math.round(distanceM(at.lat, at.lon, aed.lat, aed.lon))} m from the AED at ${aedName(registry, aed.id)}` : '';
  const carrying = run.state === 'aed_collected' ? ' with the AED' : '';
  return `${name}${carrying} is ${toPatient} m from the patient${toAed} (${at.lat.toFixed(5)},${at.lon.toFixed(5)}) [${emergency.ref}].`;
}

export function restockText(registry: Registry, emergency: Emergency, aedId: string): string {
  return `AED补充 Restock: ${aedName(registry, aedId)} was used for an emergency (${EMERGENCY_KIND_LABELS[emergency.kind].en}, ${place(emergency)}); replace the pads and check the AED, then confirm the restock.`;
}
