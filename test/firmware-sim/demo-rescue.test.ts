import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeDataDir } from '../helpers/gateway-harness.js';
import { waitFor } from '../helpers/wait-for.js';

const root = path.resolve(import.meta.dirname, '../..');

/*
 * `npm run demo` plays one cardiac-arrest rescue end to end, first thing: the real demo process
 * (gateway, broker, simulated cabinets, the page receiver), read from what it prints.
 */
describe('npm run demo: the cardiac-arrest rescue', () => {
  const cleanup: (() => Promise<unknown> | void)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('reports, pages, accepts the AED run, unlocks the cabinet, opens it as expected, arrives, is on scene and records the outcome, in names', async () => {
    const dataDir = makeDataDir();
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const child = spawn(process.execPath, ['--import', 'tsx', 'firmware-sim/demo.ts', '--pager-port', '0', '--speed', '60'], {
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

    // The scenario's own check of the gateway's alerts: none about the cabinets (the opening was expected).
    const check = await waitFor('the rescue’s alert check', () => /^\[cardiac-arrest-rescue\] [✓✗].*$/m.exec(output)?.[0], 200_000);
    expect(check).toBe('[cardiac-arrest-rescue] ✓ no alert, as meant');
    const lines = output.split('\n').filter((line) => line.startsWith('[cardiac-arrest-rescue]') || /^\[emergency → /.test(line));
    expect(lines.filter((line) => line.includes('✗'))).toEqual([]);

    // The story, in order.
    const story = [
      /the 120 centre reports a cardiac arrest/,
      /the gateway pages \d volunteer\(s\) at once, each with their own route: .*(Zhao Lei|Sun Li) via the AED at /,
      /^\[emergency → (Zhao Lei|Sun Li)\] \[急救 RESCUE\] 心脏骤停 Cardiac arrest\. the lane between .* Fetch the AED first: /,
      /(Zhao Lei|Sun Li) accepts the AED run: to .* then to the patient/,
      /the cabinet at .* receives its unlock for (Zhao Lei|Sun Li)/,
      /(Zhao Lei|Sun Li) arrives at /,
      /the cabinet door opens as expected and (Zhao Lei|Sun Li) takes the AED: no unexplained-opening alarm; the emergency's timeline says ".* opened for (Zhao Lei|Sun Li), as expected\."/,
      /(Zhao Lei|Sun Li) is on scene with the AED/,
      /the ambulance arrives/,
      /outcome: first acceptance after \d+ s, AED on scene after \d+ s, attended by (Zhao Lei|Sun Li)( and (Zhao Lei|Sun Li))?, AED used: (Community health station|Fuxing Lane market)/,
      /the AED is back in its cabinet .* restock confirmed/,
    ];
    let at = 0;
    for (const step of story) {
      const found = lines.findIndex((line, i) => i >= at && step.test(line));
      expect(found, `${String(step)} after line ${at} of:\n${lines.join('\n')}`).toBeGreaterThanOrEqual(0);
      at = found;
    }
    // People and places by name: no responder, cabinet, grid or resident id.
    expect(lines.filter((line) => /\b[rwgasdv]\d{1,3}\b/.test(line.replace(/https?:\/\/\S+/g, '')))).toEqual([]);
  }, 240_000);
});
