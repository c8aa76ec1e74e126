import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config/config.js';
import { buildGateway, type GatewayPorts } from './build-gateway.js';
import { createLogger } from './logger.js';
import { RegistryError } from './registry/registry.js';

/** `npm start`: configuration, logger, listen, graceful shutdown on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { config: { type: 'string' } }, allowPositionals: false });
  const config = loadConfig(values.config === undefined ? {} : { file: values.config });
  const log = createLogger(config.logLevel);
  const gateway = await buildGateway({ config, log });
  if (gateway.generatedAdminToken !== undefined) {
    // Printed once, on the console only; the store keeps its hash.
    process.stdout.write(
      `\nAdmin token (shown once, keep it safe; set ADMIN_TOKEN to choose your own):\n  ${gateway.generatedAdminToken}\n\n`,
    );
  }
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, 15_000);
    force.unref();
    gateway.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  // Before start: a large provision file loads while the broker already serves, and may be stopped then.
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  let ports: GatewayPorts;
  try {
    ports = await gateway.start();
  } catch (err) {
    if (stopping) return;
    throw err;
  }
  process.stdout.write(`Gateway ready: MQTT :${ports.mqtt}, MQTT/WebSocket :${ports.mqttWs}, HTTP http://localhost:${ports.http} (API docs at /docs)\n`);
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof RegistryError) {
    process.stderr.write(`gateway: ${err.message} (${err.gatewayCode})\n`);
    process.exit(2);
  }
  process.stderr.write(`gateway: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
