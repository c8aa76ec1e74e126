import type { Logger } from 'pino';
import { distanceM } from '../../rules/safety/geo.js';
import type { GatewayMetrics } from '../metrics.js';

/** Configuration `map.routing`: an OSRM-compatible routing service. */
export interface RoutingConfig {
  url: string;
  /** OSRM's profile, `foot` unless the service names its walking profile otherwise. */
  profile?: string;
  timeoutMs?: number;
}

export interface Place {
  lat: number;
  lon: number;
}

/** Why the straight line is shown instead of a walking route. */
export type StraightReason = 'not_configured' | 'unreachable' | 'timeout' | 'refused' | 'no_route';

export type WalkingRoute =
  | { kind: 'walking'; distanceM: number; durationS: number; path: [number, number][] }
  | { kind: 'straight'; distanceM: number; reason: StraightReason };

export const DEFAULT_ROUTING_TIMEOUT_MS = 3_000;
/** A walking route between the same two places is asked for again after this long. */
export const ROUTE_CACHE_MS = 60_000;

interface OsrmAnswer {
  code?: unknown;
  routes?: { distance?: unknown; duration?: unknown; geometry?: { type?: unknown; coordinates?: unknown } }[];
}

class RouteFailure extends Error {
  constructor(readonly reason: Exclude<StraightReason, 'not_configured'>, detail: string) {
    super(detail);
  }
}

/** About 1 m: places closer than this share a cached route. */
const keyOf = (p: Place): string => `${p.lon.toFixed(5)},${p.lat.toFixed(5)}`;

/**
 * Walking routes from a routing service, briefly cached per (from, to); when none is configured,
 * or it fails or is slow, the straight line, which says it is one. Never throws.
 */
export class WalkingRoutes {
  private readonly cache = new Map<string, { at: number; route: Promise<WalkingRoute> }>();

  constructor(
    private readonly options: {
      config: RoutingConfig | null;
      now: () => number;
      /** A failed ask (counted and logged by the caller); the straight line is shown instead. */
      onFailure: (reason: StraightReason, detail: string) => void;
    },
  ) {}

  between(from: Place, to: Place): Promise<WalkingRoute> {
    const straightM = Math.round(distanceM(from.lat, from.lon, to.lat, to.lon));
    const config = this.options.config;
    if (config === null) return Promise.resolve({ kind: 'straight', distanceM: straightM, reason: 'not_configured' });
    const key = `${keyOf(from)};${keyOf(to)}`;
    const nowMs = this.options.now();
    const cached = this.cache.get(key);
    if (cached !== undefined && nowMs - cached.at < ROUTE_CACHE_MS) return cached.route;
    for (const [k, entry] of this.cache) if (nowMs - entry.at >= ROUTE_CACHE_MS) this.cache.delete(k);

    const route = this.ask(config, from, to).catch((err: unknown): WalkingRoute => {
      // Only good answers stay cached: the next look asks again.
      this.cache.delete(key);
      const failure = err instanceof RouteFailure ? err : new RouteFailure('unreachable', String(err));
      this.options.onFailure(failure.reason, failure.message);
      return { kind: 'straight', distanceM: straightM, reason: failure.reason };
    });
    this.cache.set(key, { at: nowMs, route });
    return route;
  }

  private async ask(config: RoutingConfig, from: Place, to: Place): Promise<WalkingRoute> {
    const base = config.url.replace(/\/+$/, '');
    const url = `${base}/route/v1/${encodeURIComponent(config.profile ?? 'foot')}/${keyOf(from)};${keyOf(to)}?overview=full&geometries=geojson`;
    const timeoutMs = config.timeoutMs ?? DEFAULT_ROUTING_TIMEOUT_MS;
    let answer: OsrmAnswer;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      if (!res.ok && res.status !== 400) throw new RouteFailure('refused', `${url} answered HTTP ${res.status}`);
      answer = (await res.json()) as OsrmAnswer;
    } catch (err) {
      if (err instanceof RouteFailure) throw err;
      const name = (err as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError') throw new RouteFailure('timeout', `${url} did not answer within ${timeoutMs} ms`);
      throw new RouteFailure('unreachable', `${url}: ${(err as Error).message}`);
    }
    const best = answer.routes?.[0];
    const coordinates = best?.geometry?.coordinates;
    if (answer.code !== 'Ok' || best === undefined || typeof best.distance !== 'number' || typeof best.duration !== 'number' || !Array.isArray(coordinates)) {
      throw new RouteFailure('no_route', `${url} found no route (code ${String(answer.code)})`);
    }
    const path = coordinates.flatMap((c: unknown): [number, number][] =>
      Array.isArray(c) && typeof c[0] === 'number' && typeof c[1] === 'number' ? [[c[1], c[0]]] : [],
    );
    if (path.length < 2) throw new RouteFailure('no_route', `${url} answered a route without a line`);
    return { kind: 'walking', distanceM: Math.round(best.distance), durationS: Math.round(best.duration), path };
  }
}

/** The gateway's walking routes: a failed ask is counted and logged, and the map shows the straight line. */
export function walkingRoutesFor(config: RoutingConfig | null, now: () => number, metrics: Pick<GatewayMetrics, 'walkingRouteFailures'>, log: Pick<Logger, 'warn'>): WalkingRoutes {
  return new WalkingRoutes({
    config,
    now,
    onFailure: (reason, detail) => {
      metrics.walkingRouteFailures.inc({ reason });
      log.warn({ component: 'routing', reason }, `walking route not available, the map shows the straight line: ${detail}`);
    },
  });
}
