import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateFleetProvision, parseFleetMix, splitByMix } from '../../firmware-sim/fleet-provision.js';
import { progressLine, startFleet, summaryLines, type FleetProgress, type FleetSummary } from '../../firmware-sim/fleet-runner.js';
import { parseProvision } from '../../firmware-sim/sim-provision.js';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { waitFor } from '../helpers/wait-for.js';

/** Sums a Prometheus counter over its labels, from the text the gateway serves at /metrics. */
function counterTotal(metricsText: string, name: string): number {
  return metricsText
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

describe('fleet provision files', () => {
  it('splits a count by the mix exactly', () => {
    expect(splitByMix(200, parseFleetMix('bracelet=90,aed=3,air=7'))).toEqual({ bracelet: 180, aed: 6, air: 14, bin: 0 });
    expect(splitByMix(7, { bracelet: 1, aed: 1, air: 1, bin: 0 })).toEqual({ bracelet: 3, aed: 2, air: 2, bin: 0 });
    expect(() => parseFleetMix('toaster=1')).toThrow(/kind=weight/);
  });

  it('gives every device a distinct id and secret, and every bracelet a resident with a home', () => {
    const raw = generateFleetProvision({ count: 50, seed: 's' });
    const provision = parseProvision(raw);
    expect(new Set(provision.devices.map((d) => d.id)).size).toBe(50);
    expect(new Set(provision.devices.map((d) => d.secret)).size).toBe(50);
    for (const d of provision.devices.filter((x) => x.kind === 'bracelet')) expect(provision.residents.find((r) => r.id === d.resident)?.home).toBeDefined();
    expect(generateFleetProvision({ count: 50, seed: 's' })).toEqual(raw);
  });
});

describe('the fleet load generator against a real gateway', () => {
  const raw = generateFleetProvision({ count: 200, mix: parseFleetMix('bracelet=80,aed=5,air=15'), seed: 'fleet-test' });
  let harness: Harness;
  let summary: FleetSummary;
  const progress: { at: number; p: FleetProgress }[] = [];

  beforeAll(async () => {
    harness = await startHarness({ provision: raw });
    const fleet = startFleet({
      url: harness.mqttUrl,
      provision: parseProvision(raw),
      ratePerS: 1500,
      messages: 3000,
      qos: 0,
      encoding: 'mixed',
      rampPerS: 1000,
      // Every first CONNECT checks a secret; on a busy machine a CONNACK can take longer than a field device's 5 s.
      connectTimeoutMs: 45_000,
      // Two source addresses: the path a fleet beyond one address's ephemeral ports takes.
      localAddresses: ['127.0.0.1', '127.0.0.2'],
      onProgress: (p) => progress.push({ at: performance.now(), p }),
    });
    summary = await fleet.done;
  }, 60_000);
  afterAll(async () => {
    await harness?.dispose();
  });

  it('connects all 200 devices and sends what it was asked to, without errors', () => {
    expect(summary).toMatchObject({ devices: 200, connected: 200, connectFailures: 0, errors: 0, telemetrySent: 3000, statusSent: 200 });
    expect(summary.byKind).toEqual({ bracelet: 160, aed: 10, air: 30, bin: 0 });
  });

  it('reports sent counts that match what the gateway accepted (/metrics gateway_ingest_accepted_total)', async () => {
    const metrics = async (): Promise<string> => (await harness.api('GET', '/metrics')).body as string;
    const expected = summary.telemetrySent + summary.statusSent;
    const accepted = await waitFor('the gateway to accept every message the fleet sent', async () => {
      const total = counterTotal(await metrics(), 'gateway_ingest_accepted_total');
      return total >= expected ? total : undefined;
    });
    expect(accepted).toBe(expected);
    expect(counterTotal(await metrics(), 'gateway_ingest_rejected_total')).toBe(0);
  });

  it('prints a progress line at most once a second, and a summary', () => {
    for (let i = 1; i < progress.length; i++) expect(progress[i]!.at - progress[i - 1]!.at).toBeGreaterThanOrEqual(900);
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(progressLine(progress[0]!.p)).toMatch(/^\[fleet \d+s\] connected \d+\/200, sent [\d,]+ telemetry \+ [\d,]+ status, errors 0, [\d,]+ msg\/s/);
    const lines = summaryLines(summary);
    expect(lines[0]).toBe('fleet summary');
    expect(lines.join('\n')).toContain('3,000 telemetry + 200 status = 3,200 messages');
  });
});
