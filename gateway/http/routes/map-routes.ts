import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { alertVisibility, visibleGrids } from '../../alerts/alert-view.js';
import type { HttpDeps } from '../deps.js';
import { SseHub } from '../../streams/sse-hub.js';
import { emergencyFingerprint, MapEmergency, mapEmergencies } from './map-emergencies.js';
import type { Principal } from '../../auth/token-store.js';
import { shareAlert } from '../../alerts/alert-sharing.js';
import { accessEntriesFor } from '../../alerts/page-sharing.js';
import type { AccessEntry } from '../../audit/access-log.js';
import { recipientOfRole } from '../../sharing/viewer.js';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

const MapGrid = Type.Object({
  id: Type.String(),
  name: Type.String(),
  district: Nullable(Type.String()),
  boundary: Nullable(Type.Array(Type.Tuple([Type.Number(), Type.Number()]), { description: '[lat, lon] corners, as in the provision file' })),
  yours: Type.Boolean({ description: 'the caller looks after this grid (always true for admin)' }),
});

const MapHome = Type.Object(
  { lat: Type.Number(), lon: Type.Number(), grid: Type.String(), residents: Type.Integer() },
  { description: 'A building with residents wearing bracelets, by the homes in the registry; no names' },
);

const MapAlertRef = Type.Object({ id: Type.String(), kind: Type.String(), severity: Type.String(), state: Type.String(), createdAt: Type.String() });

const MapResident = Type.Object({
  id: Type.String(),
  name: Type.String(),
  grid: Type.String(),
  address: Nullable(Type.String()),
  location: Nullable(Type.Object({ lat: Type.Number(), lon: Type.Number(), source: Type.String(), at: Nullable(Type.String()) })),
  alerts: Type.Array(MapAlertRef, { description: 'open and acknowledged alerts, most severe first' }),
});

const MapAed = Type.Object({
  id: Type.String(),
  lat: Type.Number(),
  lon: Type.Number(),
  grid: Nullable(Type.String()),
  description: Nullable(Type.String()),
  floor: Nullable(Type.String()),
  state: Type.String({ description: 'ready, in_use, fault, maintenance or offline' }),
});

const MapResponder = Type.Object({ id: Type.String(), name: Type.String(), lat: Type.Number(), lon: Type.Number() });

const MapStation = Type.Object({
  id: Type.String(),
  name: Type.String(),
  district: Type.String(),
  lat: Type.Number(),
  lon: Type.Number(),
  value: Nullable(Type.Number()),
  display: Nullable(Type.String()),
  band: Nullable(Type.Integer()),
  color: Nullable(Type.String()),
  stale: Type.Boolean(),
});

const MapSensor = Type.Object(
  {
    id: Type.String(),
    name: Nullable(Type.String()),
    grid: Nullable(Type.String()),
    lat: Type.Number(),
    lon: Type.Number(),
    status: Nullable(Type.String({ description: 'the worst calibration status of its pollutants: ok, calibrating, drifting, stuck, no_station' })),
    reason: Nullable(Type.Object({ en: Type.String(), zh: Type.String() }, { description: 'why, for the pollutant with that status' })),
    stale: Type.Boolean(),
    fill: Nullable(Type.Number()),
    pm25: Nullable(Type.Object({ raw: Nullable(Type.Number()), corrected: Nullable(Type.Number()) }, { description: 'the last complete hour, as read and corrected' })),
  },
  { description: 'A neighbourhood air sensor (a smart bin): never part of the official index' },
);

const MapTiles = Type.Object(
  { url: Type.String({ description: 'an XYZ template, {z}/{x}/{y}' }), attribution: Type.String(), maxZoom: Type.Integer() },
  { description: 'the configured base map (configuration map.tiles); null: draw the offline map' },
);

const MapBody = Type.Object({
  generatedAt: Type.String(),
  tiles: Nullable(MapTiles),
  grids: Type.Array(MapGrid),
  homes: Type.Array(MapHome),
  residents: Type.Array(MapResident),
  aeds: Type.Array(MapAed),
  responders: Type.Array(MapResponder),
  stations: Type.Array(MapStation),
  emergencies: Type.Array(MapEmergency, { description: 'active emergencies: the patient, the responders on the way, the AEDs they fetch' }),
  sensors: Type.Optional(Type.Array(MapSensor, { description: 'neighbourhood sensors (bins) with their calibration status (GET /api/neighbourhood has the detail)' })),
});
type MapBody = Static<typeof MapBody>;

const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low'];

/** How often the map's inputs are compared for the live signal, while anyone watches. */
const MAP_WATCH_MS = 1_000;

/** Everything the map draws that can move, as one string: equal strings, nothing to redraw. */
async function mapFingerprint(deps: HttpDeps): Promise<string> {
  const nowMs = deps.now();
  const sensors = await mapSensors(deps, nowMs);
  return JSON.stringify([
    deps.registry.list('responders').map((r) => [r.id, r.available, r.lat, r.lon]),
    deps.registry.list('aeds').map((a) => [a.id, deps.aed.cabinet(a.id)?.status ?? 'ready']),
    deps.aqhi.feed(nowMs).stations.map((s) => [s.stationId, s.display, s.stale]),
    deps.alerts.activeAlerts().map((a) => [a.id, a.state, a.severity, a.occurrences, a.lastOccurredAt]),
    emergencyFingerprint(deps.emergencies),
    sensors.map((s) => [s.id, s.status, s.stale]),
  ]);
}

/** The bins as the map draws them: where, and whether their air readings can be trusted. */
async function mapSensors(deps: HttpDeps, nowMs: number): Promise<Static<typeof MapSensor>[]> {
  return (await deps.neighbourhood.sensors(nowMs)).map((s) => {
    const worst = s.pollutants.find((p) => p.status === s.status);
    const pm25 = s.pollutants.find((p) => p.pollutant === 'pm25');
    return {
      id: s.id,
      name: s.name,
      grid: s.grid?.name ?? null,
      lat: s.lat,
      lon: s.lon,
      status: s.status,
      reason: worst?.reason ?? null,
      stale: s.stale,
      fill: s.fill,
      pm25: pm25 === undefined ? null : { raw: pm25.raw, corrected: pm25.corrected },
    };
  });
}

/** Homes closer than this (about 10 m) are drawn as one building. */
const BUILDING_DECIMALS = 4;

/** May see residents: who they are, where they live, where they are now. */
function seesResidents(principal: Principal): boolean {
  return principal.role === 'admin' || principal.role === 'worker';
}

/**
 * `GET /api/map`: what the emergency map draws, scoped by role. Everyone gets grid outlines, AED
 * cabinets with their state and the stations with their index; workers (their grids) and admins
 * also get homes as buildings, residents with open alerts and the available responders. Bureau
 * staff and responders get no resident data.
 */
export const mapRoutes: FastifyPluginAsync<HttpDeps> = async (fastify, deps) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/api/map',
    {
      config: { roles: ['admin', 'worker', 'bureau', 'responder', 'dispatcher'] },
      schema: {
        tags: ['map'],
        description:
          'The emergency map’s layers from the provision data: grid outlines, buildings (homes), residents with open alerts and where they are, ' +
          'AED cabinets by state, available responders, air stations by index. Residents, homes and responders only for admin and worker (a worker: their grids).',
        response: { 200: MapBody },
      },
    },
    async (request): Promise<MapBody> => {
      const principal = request.principal!;
      const nowMs = deps.now();
      const tiles = deps.mapTiles ?? null;
      const scope = visibleGrids(deps.registry, principal);
      const inScope = (grid: string): boolean => scope === undefined || scope.includes(grid);

      const grids = deps.registry.list('grids').map((g) => ({
        id: g.id,
        name: g.name,
        district: g.district ?? null,
        boundary: g.boundary === undefined ? null : g.boundary.map(([lat, lon]) => [lat, lon] as [number, number]),
        yours: inScope(g.id) && seesResidents(principal),
      }));

      const aeds = deps.registry.list('aeds').map((a) => {
        const cabinet = deps.aed.cabinet(a.id);
        return {
          id: a.id,
          lat: a.lat,
          lon: a.lon,
          grid: a.grid ?? null,
          description: a.description ?? null,
          floor: a.floor ?? null,
          // A cabinet the engine does not know yet is assumed ready, as GET /api/aeds/:id does.
          state: cabinet?.status ?? 'ready',
        };
      });

      const stations = deps.aqhi.feed(nowMs).stations.map((s) => ({
        id: s.stationId,
        name: s.name,
        district: s.district,
        lat: s.lat,
        lon: s.lon,
        value: s.value,
        display: s.display,
        band: s.band,
        color: s.color,
        stale: s.stale,
      }));

      const emergencies = await mapEmergencies(deps.emergencies, deps.registry, principal);
      const sensors = await mapSensors(deps, nowMs);
      if (!seesResidents(principal)) {
        return { generatedAt: new Date(nowMs).toISOString(), tiles, grids, homes: [], residents: [], aeds, responders: [], stations, emergencies, sensors };
      }

      const homesByPlace = new Map<string, { lat: number; lon: number; grid: string; residents: number }>();
      for (const resident of deps.registry.list('residents')) {
        if (!inScope(resident.grid) || resident.home === undefined) continue;
        const key = `${resident.home.lat.toFixed(BUILDING_DECIMALS)},${resident.home.lon.toFixed(BUILDING_DECIMALS)}`;
        const home = homesByPlace.get(key);
        if (home === undefined) homesByPlace.set(key, { lat: resident.home.lat, lon: resident.home.lon, grid: resident.grid, residents: 1 });
        else home.residents++;
      }

      const visible = alertVisibility(deps.registry, principal);
      const active = (await deps.alerts.list({ state: ['open', 'acked'], ...(scope === undefined ? {} : { grids: scope }), limit: 1000 })).filter(visible);
      const byResident = new Map<string, typeof active>();
      for (const alert of active) {
        if (!deps.registry.has('residents', alert.subject)) continue;
        byResident.set(alert.subject, [...(byResident.get(alert.subject) ?? []), alert]);
      }
      const viewer = recipientOfRole(principal.role) ?? 'worker';
      const mapReads: AccessEntry[] = [];
      const residents = [...byResident].flatMap(([residentId, alerts]) => {
        const resident = deps.registry.get('residents', residentId);
        if (resident === undefined) return [];
        alerts.sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) || b.createdAt - a.createdAt);
        // The most severe alert knows best where the resident is (a fall's own position first);
        // shown only as the resident's choices or the emergency rule allow this viewer, and logged.
        const most = alerts[0]!;
        const shared = shareAlert(deps.registry, viewer, most, most, deps.alertContext(most));
        mapReads.push(...accessEntriesFor({ atMs: nowMs, actor: principal.subject ?? principal.role, role: principal.role, action: 'read_map' }, most, shared.grounds));
        const location = shared.context?.location ?? null;
        return [
          {
            id: resident.id,
            name: resident.name,
            grid: resident.grid,
            address: resident.address ?? null,
            location: location === null ? null : { lat: location.lat, lon: location.lon, source: location.source, at: location.at },
            alerts: alerts.map((a) => ({ id: a.id, kind: a.kind, severity: a.severity, state: a.state, createdAt: new Date(a.createdAt).toISOString() })),
          },
        ];
      });

      await deps.accessLog.record(mapReads);
      const responders = deps.registry
        .list('responders')
        .flatMap((r) => (r.available && r.lat !== undefined && r.lon !== undefined ? [{ id: r.id, name: r.name, lat: r.lat, lon: r.lon }] : []));

      return { generatedAt: new Date(nowMs).toISOString(), tiles, grids, homes: [...homesByPlace.values()], residents, aeds, responders, stations, emergencies, sensors };
    },
  );

  // The map's live signal: a `changed` event whenever what it draws has moved (a responder, a
  // cabinet's state, an alert, an index), so pages re-read GET /api/map (scoped to the reader)
  // at once instead of polling. The events carry no data: nothing leaks across roles.
  const hub = new SseHub<{ version: number }>({ replayBuffer: 1 });
  let version = 0;
  let lastPrint = '';
  let comparing = false;
  const watcher = setInterval(() => {
    if (hub.clientCount === 0 || comparing) return;
    comparing = true;
    void mapFingerprint(deps)
      .then((print) => {
        if (print === lastPrint) return;
        lastPrint = print;
        hub.publish('changed', { version: ++version });
      })
      .catch((err: unknown) => fastify.log.error({ err }, 'comparing what the map draws failed'))
      .finally(() => {
        comparing = false;
      });
  }, MAP_WATCH_MS);
  watcher.unref();
  fastify.addHook('onClose', async () => {
    clearInterval(watcher);
    hub.close();
  });

  app.get(
    '/api/map/stream',
    {
      config: { roles: ['admin', 'worker', 'bureau', 'responder', 'dispatcher'], streamTicket: true },
      schema: {
        tags: ['map'],
        description:
          'Server-Sent Events: `changed` whenever a responder moves, a cabinet changes state, an alert or an index changes; read GET /api/map again. ' +
          'A signed-in browser’s cookie opens it, or `ticket` from POST /api/stream-tickets.',
      },
    },
    async (request, reply) => {
      lastPrint = await mapFingerprint(deps);
      hub.attach(request, reply, () => true, { event: 'hello', data: { version } });
    },
  );
};
