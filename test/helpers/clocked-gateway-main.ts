import { buildGateway } from '../../gateway/build-gateway.js';
import { createLogger } from '../../gateway/logger.js';
import { harnessConfig } from './gateway-harness.js';

/*
 * A gateway process on a clock its parent moves over IPC, so that a test can kill -9 a real
 * process and still decide what time it is. Started by `startClockedGateway`.
 *   in:  {"clockMs": n}           out: {"type": "clock", "clockMs": n} once set
 *   out: {"type": "started", "http": port, "mqtt": port} when listening
 */

const dataDir = process.env.CLOCKED_DATA_DIR;
const provisionFile = process.env.CLOCKED_PROVISION;
const startMs = Number(process.env.CLOCKED_START_MS);
if (dataDir === undefined || provisionFile === undefined || !Number.isFinite(startMs)) throw new Error('CLOCKED_DATA_DIR, CLOCKED_PROVISION and CLOCKED_START_MS are required');
const overrides = JSON.parse(process.env.CLOCKED_OVERRIDES ?? '{}') as Record<string, unknown>;

let clockMs = startMs;
process.on('message', (raw) => {
  const message = raw as { clockMs?: number };
  if (typeof message.clockMs === 'number') {
    clockMs = message.clockMs;
    process.send?.({ type: 'clock', clockMs });
  }
});

const config = harnessConfig(dataDir, provisionFile, { logLevel: process.env.TEST_LOG_LEVEL ?? 'warn', ...overrides });
const gateway = await buildGateway({ config, log: createLogger(config.logLevel), now: () => clockMs });
const ports = await gateway.start();
process.send?.({ type: 'started', http: ports.http, mqtt: ports.mqtt });
process.on('SIGTERM', () => {
  gateway.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
