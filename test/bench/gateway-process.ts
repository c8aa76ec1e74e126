import { buildGateway, type Gateway } from '../../gateway/build-gateway.js';
import { createLogger } from '../../gateway/logger.js';
import { harnessConfig } from '../helpers/gateway-harness.js';

/*
 * A gateway in a process of its own, run by the benchmark where one process cannot hold what is
 * measured (its open-file limit). Takes jobs over IPC and answers each with one message.
 */

export type GatewayJob =
  | { type: 'start'; dataDir: string; provisionFile?: string; redisUrl?: string; databaseUrl?: string; nodeId?: string; secretHashCost: number }
  | { type: 'memory' }
  | { type: 'stop' };

export interface GatewayStarted {
  type: 'started';
  mqttPort: number;
  httpPort: number;
}

export interface GatewayMemory {
  type: 'memory';
  /** JS heap in use plus buffers outside it, after collecting garbage. */
  heapAndExternal: number;
  rss: number;
}

let gateway: Gateway | undefined;

async function memory(): Promise<GatewayMemory> {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 300));
  }
  const m = process.memoryUsage();
  return { type: 'memory', heapAndExternal: m.heapUsed + m.external, rss: m.rss };
}

process.on('message', (raw) => {
  const job = raw as GatewayJob;
  void (async () => {
    if (job.type === 'start') {
      const config = harnessConfig(job.dataDir, job.provisionFile, {
        host: '0.0.0.0',
        broker: { secretHashCost: job.secretHashCost },
        ...(job.redisUrl === undefined ? {} : { redisUrl: job.redisUrl }),
        ...(job.databaseUrl === undefined ? {} : { databaseUrl: job.databaseUrl, nodeId: job.nodeId }),
      });
      gateway = await buildGateway({ config, log: createLogger(config.logLevel) });
      const ports = await gateway.start();
      process.send!({ type: 'started', mqttPort: ports.mqtt, httpPort: ports.http } satisfies GatewayStarted);
    } else if (job.type === 'memory') {
      process.send!(await memory());
    } else {
      await gateway?.stop();
      process.send!({ type: 'stopped' });
    }
  })().catch((err: unknown) => {
    process.stderr.write(`gateway process: ${String(err)}\n`);
    process.exit(1);
  });
});
