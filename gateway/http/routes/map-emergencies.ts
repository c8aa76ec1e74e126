import { Type, type Static } from '@sinclair/typebox';
import type { EmergencyService } from '../../emergencies/emergency-service.js';
import type { Registry } from '../../registry/registry.js';
import type { Principal } from '../../auth/token-store.js';

const Point = { lat: Type.Number(), lon: Type.Number() };

/** The map's emergency layer: the patient, each responder on the way, the AED they fetch. */
export const MapEmergency = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  label: Type.Object({ zh: Type.String(), en: Type.String() }),
  ...Point,
  address: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  responders: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      state: Type.String({ description: 'asked, accepted, aed_collected, on_scene (the others are not drawn)' }),
      position: Type.Union([Type.Object(Point), Type.Null()]),
      aed: Type.Union([Type.Object({ id: Type.String(), name: Type.String(), ...Point, state: Type.String({ description: 'the cabinet state; unknown: it never reported' }) }), Type.Null()]),
    }),
  ),
});
export type MapEmergency = Static<typeof MapEmergency>;

const DRAWN = new Set(['asked', 'accepted', 'aed_collected', 'on_scene']);

/**
 * Active emergencies as the caller may see them: admin and the centre's dispatcher all of them,
 * a worker those in their grids, a responder only the ones they run in (with only their own run).
 */
export async function mapEmergencies(emergencies: EmergencyService, registry: Registry, principal: Principal): Promise<MapEmergency[]> {
  const worker = principal.role === 'worker' && principal.subject !== null ? registry.get('workers', principal.subject) : undefined;
  const own = principal.role === 'responder' ? (principal.subject ?? '') : undefined;
  const shown = emergencies.activeEmergencies().filter((e) => {
    if (principal.role === 'bureau') return false;
    if (principal.role === 'worker' && (worker === undefined || e.grid === null || !worker.grids.includes(e.grid))) return false;
    return own === undefined || e.dispatch.runs.some((r) => r.responderId === own);
  });
  const views = await Promise.all(shown.map((e) => emergencies.view(e, own)));
  return views.flatMap((view) => {
    return [
      {
        id: view.id,
        kind: view.kind,
        label: view.kindLabel,
        lat: view.lat,
        lon: view.lon,
        address: view.address,
        createdAt: new Date(view.createdAt).toISOString(),
        responders: view.responders
          .filter((r) => DRAWN.has(r.state))
          .map((r) => ({ id: r.id, name: r.name, state: r.state, position: r.position, aed: r.aed === null ? null : { id: r.aed.id, name: r.aed.name, lat: r.aed.lat, lon: r.aed.lon, state: r.aed.state } })),
      },
    ];
  });
}

/** What moves on the emergency layer, for the map's live signal. */
export function emergencyFingerprint(emergencies: EmergencyService): unknown {
  return emergencies.activeEmergencies().map((e) => [e.id, e.revision]);
}
