import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeDataDir } from '../helpers/gateway-harness.js';
import { waitFor } from '../helpers/wait-for.js';

const root = path.resolve(import.meta.dirname, '../..');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('npm run demo -- --pager-port N', () => {
  const cleanup: (() => Promise<unknown> | void)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('sends the webhooks to port N, and the demo’s own scenario check passes', async () => {
    const pagerPort = await freePort();
    const dataDir = makeDataDir();
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    // The start script's own command, in one process so that stopping it stops everything.
    const child = spawn(process.execPath, ['--import', 'tsx', 'firmware-sim/demo.ts', '--pager-port', String(pagerPort), '--speed', '600'], {
      cwd: root,
      env: { ...process.env, DATA_DIR: dataDir, MQTT_PORT: '0', MQTT_WS_PORT: '0', HTTP_PORT: '0', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    cleanup.push(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));

    await waitFor('the pages line naming port N', () => output.includes(`pages            http://127.0.0.1:${pagerPort}/`), 60_000);
    const page = await waitFor('a webhook page printed by the receiver', () => /^\[page → [^\]]+\] .*$/m.exec(output)?.[0], 120_000);
    expect(page).toMatch(/Wang Fang|Chen Jing|Liu Yang|Zhou Min/);
    const check = await waitFor('the fall scenario’s check', () => /^\[fall-not-cancelled\] [✓✗].*$/m.exec(output)?.[0], 120_000);
    expect(check.startsWith('[fall-not-cancelled] ✓')).toBe(true);
    expect(output).not.toMatch(/\[fall-not-cancelled\] ✗/);
    // People read names: no resident, worker, grid, cabinet or station id in what the demo prints about them.
    const about = output.split('\n').filter((line) => /^\[(page|alert|worker|fall-not-cancelled)/.test(line));
    expect(about.length).toBeGreaterThan(2);
    expect(about.filter((line) => /\b[rwgasdv]\d{1,3}\b/.test(line))).toEqual([]);
  }, 240_000);
});
