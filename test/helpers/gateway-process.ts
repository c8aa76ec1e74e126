import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { waitFor } from './wait-for.js';

const root = path.resolve(import.meta.dirname, '../..');

export interface GatewayProcess {
  child: ChildProcess;
  ports: { mqtt: number; mqttWs: number; http: number };
  http: string;
  mqtt: string;
  /** Resolves when the process has ended (its exit code, or null after a signal). */
  exited: Promise<number | null>;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM unless it has already ended; resolves once it has. */
  stop(): Promise<void>;
}

/**
 * The real gateway process, as `npm start` runs it: node with tsx's loader, one process, so that
 * a SIGKILL is a real one. Ports are chosen by the gateway (0) and read from ports.json.
 */
export async function startGatewayProcess(dataDir: string, env: Record<string, string> = {}, args: string[] = []): Promise<GatewayProcess> {
  const portsFile = path.join(dataDir, 'ports.json');
  rmSync(portsFile, { force: true });
  const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/main.ts', ...args], {
    cwd: root,
    env: { ...process.env, DATA_DIR: dataDir, MQTT_PORT: '0', MQTT_WS_PORT: '0', HTTP_PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ports = await Promise.race([
    waitFor('ports.json', () => (existsSync(portsFile) ? (JSON.parse(readFileSync(portsFile, 'utf8')) as GatewayProcess['ports']) : undefined), 90_000),
    exited.then((code) => Promise.reject(new Error(`the gateway exited (${code}) before listening:\n${output}`))),
  ]);
  return {
    child,
    ports,
    http: `http://127.0.0.1:${ports.http}`,
    mqtt: `mqtt://127.0.0.1:${ports.mqtt}`,
    exited,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
