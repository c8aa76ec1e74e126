import { spawn } from 'node:child_process';
import { readFileSync, existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeDataDir } from '../helpers/gateway-harness.js';
import { waitFor } from '../helpers/wait-for.js';

const root = path.resolve(import.meta.dirname, '../..');

describe('npm start', () => {
  it('comes up with the demo provision file, answers /readyz, and exits 0 on SIGTERM', async () => {
    const dataDir = makeDataDir();
    // The start script itself, run without npm in between so the gateway's own exit code is seen.
    const script = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
    const [command, ...args] = script.split(' ');
    // node itself with tsx's loader: one process, so signals (even SIGKILL) reach the gateway.
    expect(command).toBe('node');
    const child = spawn(process.execPath, args, {
      cwd: root,
      env: { ...process.env, DATA_DIR: dataDir, PROVISION: 'gateway/demo/provision.yaml', MQTT_PORT: '0', MQTT_WS_PORT: '0', HTTP_PORT: '0', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const portsFile = path.join(dataDir, 'ports.json');
      const ports = await waitFor('ports.json', () => (existsSync(portsFile) ? (JSON.parse(readFileSync(portsFile, 'utf8')) as { http: number; mqtt: number; mqttWs: number }) : undefined), 60_000);
      expect(ports.mqtt).toBeGreaterThan(0);
      expect(ports.mqttWs).toBeGreaterThan(0);
      const ready = await fetch(`http://127.0.0.1:${ports.http}/readyz`);
      expect(ready.status).toBe(200);
      // The first start prints the generated admin token once; it works.
      const token = /Admin token[^\n]*\n\s+(gw_\S+)/.exec(output)?.[1];
      expect(token).toBeDefined();
      const residents = await fetch(`http://127.0.0.1:${ports.http}/api/residents`, { headers: { authorization: `Bearer ${token}` } });
      expect(((await residents.json()) as { items: unknown[] }).items).toHaveLength(10);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    rmSync(dataDir, { recursive: true, force: true });
  }, 90_000);
});
