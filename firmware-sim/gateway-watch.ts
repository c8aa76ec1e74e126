import type { SimLog } from './device-message.js';
import { formatLocalClock } from './local-time.js';

/** Reads a JSON route of the gateway (CONTRACT.md §3); in-process or over HTTP. */
export type GetJson = (path: string) => Promise<unknown>;

interface AlertSeen {
  state: string;
  severity: string;
  escalationStep: number | null;
}

interface AlertView {
  id: string;
  kind: string;
  severity: string;
  state: string;
  subject: string;
  grid: string;
  assignee: string | null;
  escalationStep?: number | null;
  details?: { summary?: unknown };
}

interface StationView {
  stationId: string;
  name: string;
  display: string | null;
  high: boolean;
  category: { name: { en: string } } | null;
}

export interface GatewayWatchOptions {
  /** Names for the ids in its lines (default: the ids). */
  names?: (id: string) => string;
  getJson: GetJson;
  log: SimLog;
  /** The time shown on each line (simulated, in the demo). */
  now: () => number;
  timeZone: string;
  /** Real ms between looks; 1 s by default. */
  intervalMs?: number;
}

export interface GatewayWatch {
  /** Looks once now (also done every interval). */
  poll(): Promise<void>;
  stop(): void;
}

/**
 * Prints what a newcomer should notice, read through the public API as a worker's app would:
 * alerts opening, escalating, acknowledged and resolved, and each station's index as it moves.
 */
export function watchGateway(options: GatewayWatchOptions): GatewayWatch {
  const { getJson, log } = options;
  const names = options.names ?? ((id: string): string => id);
  const alerts = new Map<string, AlertSeen>();
  const indexes = new Map<string, string | null>();
  const at = (): string => formatLocalClock(options.now(), options.timeZone);
  let busy = false;

  function alertLines(list: AlertView[]): void {
    // Oldest first, so lines read in the order things happened.
    for (const a of [...list].reverse()) {
      const before = alerts.get(a.id);
      const step = a.escalationStep ?? null;
      const name = `${a.kind} (${a.severity}) for ${names(a.subject)} in ${names(a.grid)}`;
      if (before === undefined) {
        const summary = typeof a.details?.summary === 'string' ? ` — ${a.details.summary}` : '';
        log(`[alert ${at()}] OPEN ${name}${summary}`);
        if (a.state !== 'open') log(`[alert ${at()}] ${a.state.toUpperCase()} ${name}${a.assignee === null ? '' : ` by ${names(a.assignee)}`}`);
      } else {
        if (step !== null && (before.escalationStep === null || step > before.escalationStep) && step > 0) log(`[alert ${at()}] ESCALATED ${name} to step ${step}`);
        if (a.severity !== before.severity) log(`[alert ${at()}] SEVERITY ${a.kind} for ${names(a.subject)}: ${before.severity} → ${a.severity}`);
        if (a.state !== before.state) log(`[alert ${at()}] ${a.state.toUpperCase()} ${name}${a.assignee === null ? '' : ` by ${names(a.assignee)}`}`);
      }
      alerts.set(a.id, { state: a.state, severity: a.severity, escalationStep: step });
    }
  }

  function indexLines(stations: StationView[]): void {
    for (const s of stations) {
      const before = indexes.get(s.stationId);
      if (before === s.display && indexes.has(s.stationId)) continue;
      indexes.set(s.stationId, s.display);
      if (s.display === null) continue;
      const category = s.category === null ? '' : ` ${s.category.name.en}`;
      log(`[aqhi ${at()}] ${s.name}: ${before ?? '–'} → ${s.display}${category}${s.high ? ' (HIGH)' : ''}`);
    }
  }

  async function poll(): Promise<void> {
    if (busy) return;
    busy = true;
    try {
      const alertBody = (await getJson('/api/alerts?limit=200')) as { alerts?: AlertView[] };
      if (Array.isArray(alertBody.alerts)) alertLines(alertBody.alerts);
      const aqhiBody = (await getJson('/api/aqhi')) as { stations?: StationView[] };
      if (Array.isArray(aqhiBody.stations)) indexLines(aqhiBody.stations);
    } catch (err) {
      log(`[watch] could not read the gateway: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      busy = false;
    }
  }

  const timer = setInterval(() => void poll(), options.intervalMs ?? 1000);
  timer.unref();
  return { poll, stop: () => clearInterval(timer) };
}
