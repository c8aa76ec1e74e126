import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeDataDir } from '../helpers/gateway-harness.js';
import { waitFor } from '../helpers/wait-for.js';

const root = path.resolve(import.meta.dirname, '../..');

const SCENARIOS = ['sos-pressed', 'vitals-unwell', 'battery-low', 'aed-self-test-failed', 'bracelet-offline', 'not-worn', 'drill-fall'];
const EXPECTED: Record<string, RegExp> = {
  'sos-pressed': /^✓ sos \(critical\) for [A-Z][a-z]+ [A-Z][a-z]+, now /,
  'vitals-unwell': /^✓ vitals \(high\) for [A-Z][a-z]+ [A-Z][a-z]+, now /,
  'battery-low': /^✓ battery_low \(low\) for [A-Z][a-z]+ [A-Z][a-z]+, now resolved$/,
  'aed-self-test-failed': /^✓ aed_fault \(medium\) for the AED at .+, now resolved$/,
  'bracelet-offline': /^✓ device_offline \(medium\) for [A-Z][a-z]+ [A-Z][a-z]+, now resolved$/,
  'not-worn': /^✓ not_worn \(low\) for [A-Z][a-z]+ [A-Z][a-z]+, now resolved$/,
  // A drill is never a real alert.
  'drill-fall': /^✓ no alert, as meant$/,
};

/*
 * `npm run demo -- --scenarios ...`: the real demo process (gateway, broker, simulated devices on
 * its simulated clock, the page receiver, the demo's workers) plays a scenario for every bracelet
 * rule, an AED cabinet's failed self-test and a drill, and its own check of the gateway's alerts
 * passes for each; what it prints names people and places.
 */
describe('npm run demo: a scenario for every rule, and a drill', () => {
  const cleanup: (() => Promise<unknown> | void)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('raises what each scenario expects, nothing else, clears what clears, and the drill pages DRILL with a report', async () => {
    const dataDir = makeDataDir();
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const args = ['--import', 'tsx', 'firmware-sim/demo.ts', '--pager-port', '0', '--speed', '600', '--start', '08:30', '--scenarios', SCENARIOS.join(',')];
    const child = spawn(process.execPath, args, {
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

    const checks = await waitFor(
      'every scenario’s own check',
      () => {
        const found = SCENARIOS.map((name) => new RegExp(`^\\[${name}\\] ([✓✗].*)$`, 'm').exec(output)?.[1]);
        return found.every((line) => line !== undefined) ? (found as string[]) : undefined;
      },
      200_000,
    );
    SCENARIOS.forEach((name, i) => expect(checks[i], `${name}:\n${output}`).toMatch(EXPECTED[name]!));
    expect(output).not.toMatch(/^\[(sos-pressed|vitals-unwell|battery-low|aed-self-test-failed|bracelet-offline|not-worn|drill-fall)\] ✗/m);

    // The drill: its pages say DRILL in both languages, and its report names who acknowledged after how long.
    const drill = output.split('\n').filter((line) => line.startsWith('[drill-fall]'));
    expect(drill.some((line) => /drill report for [A-Z].* \d+ page\(s\) marked DRILL, \d+ delivered/.test(line)), drill.join('\n')).toBe(true);
    expect(drill.some((line) => /first on it: [A-Z][a-z]+ [A-Z][a-z]+ after \d+ s/.test(line)), drill.join('\n')).toBe(true);
    expect(output).toMatch(/^\[page → [A-Z][a-z]+ [A-Z][a-z]+[^\]]*\] \[演练 DRILL\] /m);

    // People and places by name: no resident, worker, grid, cabinet or station id.
    const ours = output.split('\n').filter((line) => /^\[(sos-pressed|vitals-unwell|battery-low|aed-self-test-failed|bracelet-offline|not-worn|drill-fall|page|worker|aqhi)/.test(line));
    expect(ours.length).toBeGreaterThan(SCENARIOS.length * 4);
    expect(ours.filter((line) => /\b[rwgasdv]\d{1,3}\b/.test(line.replace(/https?:\/\/\S+/g, '')))).toEqual([]);
  }, 240_000);
});
