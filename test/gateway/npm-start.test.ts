import { spawn } from 'node:child_process';
import Database from 'better-sqlite3';
import { readFileSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../helpers/external-server.js';
import { makeDataDir } from '../helpers/gateway-harness.js';
import { waitFor } from '../helpers/wait-for.js';

const root = path.resolve(import.meta.dirname, '../..');

/**
 * `npm start`'s own command, run without npm in between so that the gateway's exit code is seen
 * and signals (even SIGKILL) reach it: node itself with tsx's loader, one process.
 */
function npmStart(env: Record<string, string>, args: string[] = []) {
  const script = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const [command, ...scriptArgs] = script.split(' ');
  expect(command).toBe('node');
  const child = spawn(process.execPath, [...scriptArgs, ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

describe('npm start', () => {
  it('comes up with the demo provision file, answers /readyz, and exits 0 on SIGTERM', async () => {
    const dataDir = makeDataDir();
    const { child, output, exited } = npmStart({ DATA_DIR: dataDir, PROVISION: 'gateway/demo/provision.yaml', MQTT_PORT: '0', MQTT_WS_PORT: '0', HTTP_PORT: '0', LOG_LEVEL: 'warn' });
    try {
      const portsFile = path.join(dataDir, 'ports.json');
      const ports = await waitFor('ports.json', () => (existsSync(portsFile) ? (JSON.parse(readFileSync(portsFile, 'utf8')) as { http: number; mqtt: number; mqttWs: number }) : undefined), 60_000);
      expect(ports.mqtt).toBeGreaterThan(0);
      expect(ports.mqttWs).toBeGreaterThan(0);
      const ready = await fetch(`http://127.0.0.1:${ports.http}/readyz`);
      expect(ready.status).toBe(200);
      // The first start prints the generated admin token once; it works.
      const token = /Admin token[^\n]*\n\s+(gw_\S+)/.exec(output())?.[1];
      expect(token).toBeDefined();
      const residents = await fetch(`http://127.0.0.1:${ports.http}/api/residents`, { headers: { authorization: `Bearer ${token}` } });
      expect(((await residents.json()) as { items: unknown[] }).items).toHaveLength(10);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    rmSync(dataDir, { recursive: true, force: true });
  }, 90_000);

  it('serves while a slow provision file loads, and exits 0 on SIGTERM then, writing none of it', async () => {
    const dataDir = makeDataDir();
    const [http, mqtt] = [await freePort(), await freePort()];
    // Twenty secrets at a high scrypt cost: seconds of hashing after the broker listens.
    const provision = path.join(dataDir, 'provision.json');
    writeFileSync(
      provision,
      JSON.stringify({
        stations: [{ id: 's1', name: 'Riverside', lat: 30.27, lon: 120.16, district: 'd1' }],
        devices: Array.from({ length: 20 }, (_, i) => ({ id: `air-${i}`, kind: 'air', secret: `slow-secret-${i}`, station: 's1' })),
      }),
    );
    const config = path.join(dataDir, 'config.json');
    writeFileSync(config, JSON.stringify({ broker: { secretHashCost: 65_536 } }));
    const { child, output, exited } = npmStart(
      { DATA_DIR: dataDir, PROVISION: provision, MQTT_PORT: String(mqtt), MQTT_WS_PORT: '0', HTTP_PORT: String(http), LOG_LEVEL: 'info' },
      ['--config', config],
    );
    try {
      const loading = await waitFor(
        'the gateway answering while the file loads',
        async () => {
          const res = await fetch(`http://127.0.0.1:${http}/readyz`);
          return res.status === 503 ? ((await res.json()) as { checks: Record<string, boolean> }) : undefined;
        },
        60_000,
      );
      expect(loading.checks).toMatchObject({ broker: true, provision: false });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(output()).toContain('gateway stopped');
    expect(output()).not.toContain('provision file loaded');
    const store = new Database(path.join(dataDir, 'gateway.db'), { readonly: true });
    expect(store.prepare("SELECT COUNT(*) AS n FROM registry WHERE collection IN ('devices', 'stations')").get()).toEqual({ n: 0 });
    store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }, 90_000);
});
