import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect as tcpConnect } from 'node:net';

// The simulator's cluster picks its ports the same way.
import { freePort } from '../../firmware-sim/cluster-processes.js';

export { freePort };

export function hasBinary(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

/**
 * Whether a suite that needs `binary` runs. Under CI=true a missing server is a failure, not a
 * skip (DESIGN.md): the suite runs and fails loudly at start.
 */
export function serverAvailable(binary: string): boolean {
  return hasBinary(binary) || process.env.CI === 'true';
}

export interface ExternalServer {
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function spawnServer(command: string, args: string[], ready: () => Promise<boolean>, what: string): Promise<ExternalServer> {
  if (!hasBinary(command)) throw new Error(`${what} needs "${command}" (install the Debian package; .ci/run does)`);
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (exited) throw new Error(`${what} exited at start: ${stderr}`);
    if (await ready().catch(() => false)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${what} did not become ready: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
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

/** A Redis of a test's own on a free loopback port, keeping nothing on disk. */
export async function startScratchRedis(): Promise<{ server: ExternalServer; port: number; url: string }> {
  const port = await freePort();
  const server = await spawnServer('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], () => redisPing(port), 'redis-server');
  return { server, port, url: `redis://127.0.0.1:${port}` };
}
