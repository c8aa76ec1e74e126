import { rmSync } from 'node:fs';
import path from 'node:path';
import { buildGateway, type Gateway, type GatewayPorts } from '../gateway/build-gateway.js';
import { loadConfig, type GatewayConfig } from '../gateway/config/config.js';
import { createLogger } from '../gateway/logger.js';
import { HOUR_MS } from './local-time.js';
import type { SimClock, TimerHandle } from './sim-clock.js';

export const DEMO_CONFIG_FILE = 'gateway/demo/config.yaml';

export interface InProcessGatewayOptions {
  configFile?: string;
  /** Overrides the config file's provision file (e.g. one with rewritten webhook URLs). */
  provisionFile?: string;
  /** Overrides the config file's data directory. */
  dataDir?: string;
  /** The gateway reads the simulated clock: its rules, escalations and index run at the simulation's speed. */
  clock: SimClock;
  /** Start from an empty store (the demo's store is disposable). */
  fresh?: boolean;
  overrides?: Record<string, unknown>;
}

export interface InProcessGateway {
  gateway: Gateway;
  config: GatewayConfig;
  ports: GatewayPorts;
  mqttUrl: string;
  httpUrl: string;
  /** The admin token: ADMIN_TOKEN, or the one this start generated. */
  adminToken: string | undefined;
  stop(): Promise<void>;
}

/** The store's own files; nothing else in the directory is touched. */
const STORE_FILES = ['gateway.db', 'gateway.db-wal', 'gateway.db-shm', 'ports.json'];

/**
 * The gateway in this process, on the simulated clock, as `npm run demo` and the scenario CLI
 * run it. Rule timers tick often enough in real time that a simulated second is never far off,
 * and the index's hour boundaries follow simulated hours.
 */
export async function startInProcessGateway(options: InProcessGatewayOptions): Promise<InProcessGateway> {
  const { clock } = options;
  const env = process.env;
  const tickMs = Math.min(1000, Math.max(50, Math.round(10_000 / clock.speed)));
  const config = loadConfig({
    file: options.configFile ?? DEMO_CONFIG_FILE,
    env,
    overrides: {
      ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
      ...(options.provisionFile === undefined ? {} : { provision: options.provisionFile }),
      // The simulator's own lines are the demo's output; the gateway's log stays quiet unless asked.
      ...(env.LOG_LEVEL === undefined ? { logLevel: 'error' } : {}),
      alerts: { tickMs },
      ...options.overrides,
    },
  });
  if (options.fresh === true) {
    for (const file of STORE_FILES) rmSync(path.join(config.dataDir, file), { force: true });
  }
  const log = createLogger(config.logLevel);
  const gateway = await buildGateway({ config, log, now: clock.now });
  const ports = await gateway.start();
  const hourTicks: TimerHandle = clock.every(
    HOUR_MS,
    () => {
      gateway.aqhi.tick(clock.now()).catch((err: unknown) => log.error({ err }, 'hourly index tick failed'));
    },
    Math.floor(clock.now() / HOUR_MS) * HOUR_MS + HOUR_MS + 1000,
  );
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  let stopped = false;
  return {
    gateway,
    config,
    ports,
    mqttUrl: `mqtt://${host}:${ports.mqtt}`,
    httpUrl: `http://${host === '127.0.0.1' ? 'localhost' : host}:${ports.http}`,
    adminToken: config.adminToken ?? gateway.generatedAdminToken,
    async stop() {
      if (stopped) return;
      stopped = true;
      hourTicks.cancel();
      await gateway.stop();
    },
  };
}
