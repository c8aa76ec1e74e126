import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { distanceM } from '../../rules/safety/geo.js';

/** How the routing service answers: a route, an HTTP 500, OSRM's NoRoute, or never. */
export type RoutingMode = 'ok' | 'error' | 'no_route' | 'hang';

export interface RoutingServer {
  readonly url: string;
  /** Every route asked for: profile, the two places, the query string. */
  readonly asked: { profile: string; from: [number, number]; to: [number, number]; query: string }[];
  mode: RoutingMode;
  close(): Promise<void>;
}

/**
 * A real HTTP server answering OSRM's route API (GET /route/v1/{profile}/{lon},{lat};{lon},{lat})
 * in OSRM's format: the walk goes along the first place's latitude, then turns to the second, so
 * the route is visibly not the straight line and longer than it.
 */
export async function startRoutingServer(): Promise<RoutingServer> {
  const hanging = new Set<ServerResponse>();
  const state: RoutingServer = {
    url: '',
    asked: [],
    mode: 'ok',
    close: () => Promise.resolve(),
  };
  const server = createServer((req, res) => {
    const [pathPart, query = ''] = (req.url ?? '/').split('?');
    const match = /^\/route\/v1\/([^/]+)\/([-\d.]+),([-\d.]+);([-\d.]+),([-\d.]+)$/.exec(decodeURIComponent(pathPart!));
    if (match === null) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'InvalidUrl' }));
      return;
    }
    const [fromLon, fromLat, toLon, toLat] = match.slice(2).map(Number) as [number, number, number, number];
    state.asked.push({ profile: match[1]!, from: [fromLon, fromLat], to: [toLon, toLat], query });
    if (state.mode === 'hang') {
      hanging.add(res);
      return;
    }
    if (state.mode === 'error') {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
      return;
    }
    if (state.mode === 'no_route') {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'NoRoute', message: 'Impossible route between points' }));
      return;
    }
    const corner: [number, number] = [toLon, fromLat];
    const distance = distanceM(fromLat, fromLon, corner[1], corner[0]) + distanceM(corner[1], corner[0], toLat, toLon);
    const body = {
      code: 'Ok',
      routes: [{ distance, duration: distance / 1.2, geometry: { type: 'LineString', coordinates: [[fromLon, fromLat], corner, [toLon, toLat]] } }],
      waypoints: [],
    };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  Object.assign(state, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      for (const res of hanging) res.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
  return state;
}
