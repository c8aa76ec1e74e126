import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ADMIN_TOKEN } from './gateway-harness.js';

const root = path.resolve(import.meta.dirname, '../..');

/** A real gateway process on a clock the test moves: kill -9 is a real one, time is the test's. */
export interface ClockedGateway {
  child: ChildProcess;
  httpUrl: string;
  mqttUrl: string;
  exited: Promise<unknown>;
  /** Sets the process's clock; resolves once the process has it. */
  setClock(ms: number): Promise<void>;
  api(method: string, url: string, body?: unknown): Promise<{ status: number; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

export async function startClockedGateway(options: {
  dataDir: string;
  provisionFile: string;
  clockMs: number;
  overrides?: Record<string, unknown>;
}): Promise<ClockedGateway> {
  // node with tsx's loader in one process, so that a SIGKILL leaves nothing running.
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/clocked-gateway-main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      CLOCKED_DATA_DIR: options.dataDir,
      CLOCKED_PROVISION: options.provisionFile,
      CLOCKED_START_MS: String(options.clockMs),
      CLOCKED_OVERRIDES: JSON.stringify(options.overrides ?? {}),
    },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const started = await new Promise<{ http: number; mqtt: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the clocked gateway did not start within 60 s')), 60_000);
    child.on('message', (m: { type?: string; http?: number; mqtt?: number }) => {
      if (m.type === 'started') {
        clearTimeout(timer);
        resolve({ http: m.http!, mqtt: m.mqtt! });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the clocked gateway exited with ${String(code)} before it started`));
    });
  });
  const httpUrl = `http://127.0.0.1:${started.http}`;
  const gateway: ClockedGateway = {
    child,
    httpUrl,
    mqttUrl: `mqtt://127.0.0.1:${started.mqtt}`,
    exited,
    setClock(ms) {
      return new Promise((resolve) => {
        const onMessage = (m: { type?: string; clockMs?: number }): void => {
          if (m.type === 'clock' && m.clockMs === ms) {
            child.off('message', onMessage);
            resolve();
          }
        };
        child.on('message', onMessage);
        child.send({ clockMs: ms });
      });
    },
    async api(method, url, body) {
      const response = await fetch(`${httpUrl}${url}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: (response.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text };
    },
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
  return gateway;
}
