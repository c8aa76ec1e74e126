import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, createWriteStream, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { connect as tcpConnect, createServer } from 'node:net';
import path from 'node:path';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..');

/** A free TCP port on loopback, chosen by the kernel. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** Whether an executable `binary` is in one of PATH's directories. */
export function onPath(binary: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      accessSync(path.join(dir, binary), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * A server process the cluster started. Each runs in a process group of its own (detached): a
 * terminal's Ctrl-C reaches only the cluster, which then stops them in order (gateways before the
 * database they write to).
 */
export interface Child {
  name: string;
  process: ChildProcess;
  /** The last lines it wrote, for an error message. */
  tail(): string;
  exited: Promise<void>;
  running(): boolean;
  /** `signal`, then SIGKILL past `graceMs`; resolves once it has exited. */
  stop(signal: NodeJS.Signals, graceMs: number): Promise<void>;
}

export function spawnChild(name: string, command: string, args: string[], options: { env?: NodeJS.ProcessEnv; logFile?: string; uid?: number; gid?: number } = {}): Child {
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.gid }),
  });
  let tail = '';
  const log = options.logFile === undefined ? undefined : createWriteStream(options.logFile, { flags: 'a' });
  const keep = (chunk: Buffer): void => {
    tail = (tail + chunk.toString()).slice(-4000);
    log?.write(chunk);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let done = false;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      done = true;
      log?.end();
      resolve();
    });
    child.once('error', (err) => {
      tail += `\n${err.message}`;
      done = true;
      resolve();
    });
  });
  return {
    name,
    process: child,
    tail: () => tail,
    exited,
    running: () => !done,
    async stop(signal, graceMs) {
      if (done) return;
      child.kill(signal);
      const late = setTimeout(() => {
        if (!done) child.kill('SIGKILL');
      }, graceMs);
      await exited;
      clearTimeout(late);
    },
  };
}

/** A Redis PING over a plain socket: ready once it says PONG. */
export function redisPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect(port, '127.0.0.1');
    socket.once('error', () => resolve(false));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.write('PING\r\n');
  });
}

/** Polls `probe` until it holds; fails with `what` (and the child's last words) when the child exits or time is up. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, child: Child | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child !== undefined && !child.running()) throw new Error(`${child.name} exited while waiting for ${what}:\n${child.tail()}`);
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}${child === undefined ? '' : `:\n${child.tail()}`}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Redis with its data (append-only file) under `dir`, on loopback. */
export async function startRedis(dir: string, port: number): Promise<Child> {
  mkdirSync(dir, { recursive: true });
  const redis = spawnChild('redis-server', 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', path.resolve(dir), '--appendonly', 'yes', '--save', ''], {
    logFile: path.join(dir, 'redis.log'),
  });
  await until('Redis to answer PING', async () => ((await redisPing(port)) ? true : undefined), redis, 30_000);
  return redis;
}

export interface GatewayPorts {
  mqtt: number;
  mqttWs: number;
  http: number;
}

/** One gateway process, as `npm start` runs it; its ports read from DATA_DIR/ports.json once it listens. */
export async function startGateway(name: string, dataDir: string, env: Record<string, string>, args: string[]): Promise<{ child: Child; ports: GatewayPorts }> {
  mkdirSync(dataDir, { recursive: true });
  const portsFile = path.join(dataDir, 'ports.json');
  rmSync(portsFile, { force: true });
  const child = spawnChild(name, process.execPath, ['--import', 'tsx', 'gateway/main.ts', ...args], {
    env: { ...process.env, DATA_DIR: dataDir, ...env },
    logFile: path.join(dataDir, 'gateway.log'),
  });
  const ports = await until(`${name} to listen`, async () => (existsSync(portsFile) ? (JSON.parse(readFileSync(portsFile, 'utf8')) as GatewayPorts) : undefined), child, 180_000);
  return { child, ports };
}

/** Whether every process group a child led is gone (postgres's workers, the gateways' own children). */
export function groupGone(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
