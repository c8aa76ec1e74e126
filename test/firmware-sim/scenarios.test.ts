import { afterEach, describe, expect, it } from 'vitest';
import { backfillAirStations } from '../../firmware-sim/community.js';
import { HOUR_MS, MINUTE_MS } from '../../firmware-sim/local-time.js';
import { checkScenarioAlerts, describeCheck, type ListedAlert } from '../../firmware-sim/scenario-check.js';
import { runScenario, type ScenarioRun } from '../../firmware-sim/scenario-runner.js';
import type { Scenario, ScenarioName } from '../../firmware-sim/scenario-types.js';
import { buildScenario } from '../../firmware-sim/scenarios.js';
import { waitFor } from '../helpers/wait-for.js';
import { demoProvision, shanghai, startSimGateway, type SimGateway } from './sim-gateway.js';

/** Each scenario plays against a real gateway on a manual clock shared with the devices. */
describe('scripted scenarios against a real gateway', () => {
  let sim: SimGateway | undefined;
  afterEach(async () => {
    await sim?.dispose();
    sim = undefined;
  });

  async function begin(name: ScenarioName, startLocal: string): Promise<{ sim: SimGateway; scenario: Scenario; run: ScenarioRun; lines: string[]; startedAtMs: number }> {
    const scenario = buildScenario(name, demoProvision());
    sim = await startSimGateway({ startMs: shanghai(startLocal), deviceIds: scenario.deviceIds });
    const lines: string[] = [];
    const run = runScenario(scenario, { community: sim.community, log: (line) => lines.push(line) });
    const startedAtMs = await run.started;
    // The first step is due now: run it and let the gateway take it at this very instant.
    await sim.clock.advance(0);
    await sim.settle();
    return { sim, scenario, run, lines, startedAtMs };
  }

  const open = (alerts: ListedAlert[]): ListedAlert[] => alerts.filter((a) => a.state === 'open');

  /** Plays the rest of the scenario, to its last line. */
  async function playToEnd(sim: SimGateway, run: ScenarioRun, scenario: Scenario, startedAtMs: number, stepMs: number): Promise<void> {
    await sim.run(startedAtMs + scenario.durationMs - sim.clock.now(), stepMs);
    const outcome = await run.done;
    expect(outcome.cancelled).toBe(false);
  }

  function expectOnlyTheMeantAlerts(scenario: Scenario, alerts: ListedAlert[], sinceMs: number): void {
    const check = checkScenarioAlerts(scenario, alerts, sinceMs);
    expect(describeCheck(check).filter((line) => line.startsWith('✗'))).toEqual([]);
    // Nothing about anyone else either.
    expect(alerts.filter((a) => !scenario.subjects.includes(a.subject))).toEqual([]);
  }

  it('fall-not-cancelled: no alert inside the 30 s window, then a critical fall alert, a page, and nothing else', async () => {
    const { sim, scenario, run, lines, startedAtMs } = await begin('fall-not-cancelled', '2026-11-23T10:00:00');
    expect(scenario.expectedAlerts).toEqual([{ kind: 'fall', subject: 'r3', severity: 'critical' }]);

    await sim.run(29_000, 1_000);
    expect(open(await sim.alerts())).toEqual([]);

    await sim.run(2_000, 1_000);
    const raised = open(await sim.alerts());
    expect(raised).toMatchObject([{ kind: 'fall', severity: 'critical', subject: 'r3', state: 'open' }]);
    await waitFor('the on-duty worker’s page', () => sim.receiver.to('/w1').length > 0);

    await playToEnd(sim, run, scenario, startedAtMs, 10_000);
    expectOnlyTheMeantAlerts(scenario, await sim.alerts(), startedAtMs);
    expect(lines.some((l) => l.includes('detects a hard fall (confidence 0.'))).toBe(true);
    expect(lines[lines.length - 1]).toMatch(/\+20:00 done$/);
  });

  it('fall-cancelled: the wearer presses "I\'m OK" in time, no alert is open and no one is paged', async () => {
    const { sim, scenario, run, startedAtMs } = await begin('fall-cancelled', '2026-11-23T10:00:00');
    await playToEnd(sim, run, scenario, startedAtMs, 2_000);
    const alerts = await sim.alerts();
    expect(open(alerts)).toEqual([]);
    expectOnlyTheMeantAlerts(scenario, alerts, startedAtMs);
    // The gateway keeps the cancelled fall as a closed record.
    expect(alerts.every((a) => a.kind === 'fall' && a.state === 'resolved')).toBe(true);
    expect(sim.receiver.requests).toEqual([]);
  });

  it('stayed-in-13h: a medium stayed_in alert after 12 hours at home, cleared when she goes out', async () => {
    const { sim, scenario, run, startedAtMs } = await begin('stayed-in-13h', '2026-11-23T07:00:00');
    await sim.run(11 * HOUR_MS + 50 * MINUTE_MS, 5 * MINUTE_MS);
    expect(await sim.alerts()).toEqual([]);
    await sim.run(30 * MINUTE_MS, 5 * MINUTE_MS);
    expect(open(await sim.alerts())).toMatchObject([{ kind: 'stayed_in', severity: 'medium', subject: scenario.subjects[0] }]);
    await playToEnd(sim, run, scenario, startedAtMs, 5 * MINUTE_MS);
    const alerts = await sim.alerts();
    expectOnlyTheMeantAlerts(scenario, alerts, startedAtMs);
    expect(alerts.find((a) => a.kind === 'stayed_in')!.state).toBe('resolved');
  }, 60_000);

  it('wandering: out of the safe zone raises a high alert, which clears once she is walked home', async () => {
    const { sim, scenario, run, startedAtMs } = await begin('wandering', '2026-11-23T09:00:00');
    expect(scenario.subjects).toEqual(['r1']);
    await sim.run(10 * MINUTE_MS, MINUTE_MS);
    expect(await sim.alerts()).toEqual([]);
    await sim.run(10 * MINUTE_MS, MINUTE_MS);
    expect(open(await sim.alerts())).toMatchObject([{ kind: 'wandering', severity: 'high', subject: 'r1' }]);
    await playToEnd(sim, run, scenario, startedAtMs, MINUTE_MS);
    const alerts = await sim.alerts();
    expectOnlyTheMeantAlerts(scenario, alerts, startedAtMs);
    expect(alerts[0]!.state).toBe('resolved');
  });

  it('aed-opened-near-fall: a critical fall alert and a critical aed_opened alert, nothing else', async () => {
    const { sim, scenario, run, startedAtMs } = await begin('aed-opened-near-fall', '2026-11-23T10:00:00');
    expect(scenario.deviceIds).toHaveLength(2);
    await playToEnd(sim, run, scenario, startedAtMs, 10_000);
    const alerts = await sim.alerts();
    expectOnlyTheMeantAlerts(scenario, alerts, startedAtMs);
    expect(alerts.map((a) => a.kind).sort()).toEqual(['aed_opened', 'fall']);
  });

  it('smog-afternoon: the index climbs into the high band and the district’s workers get an aqhi_high notice', async () => {
    const { sim, scenario, run, startedAtMs } = await begin('smog-afternoon', '2026-11-23T11:00:00');
    const station = scenario.subjects[0]!;
    // The station uploads the morning it stored, as after an outage: the 3-hour means exist at once.
    backfillAirStations(sim.community, 3);
    await sim.settle();
    let highest = 0;
    const end = startedAtMs + scenario.durationMs;
    while (sim.clock.now() < end) {
      await sim.run(30 * MINUTE_MS, 5 * MINUTE_MS);
      const feed = (await sim.harness.api('GET', '/api/aqhi', undefined, null)).body as { stations: { stationId: string; value: number | null; high: boolean }[] };
      const entry = feed.stations.find((s) => s.stationId === station)!;
      if (entry.high) highest = Math.max(highest, entry.value ?? 0);
    }
    await run.done;
    expect(highest).toBeGreaterThanOrEqual(7);
    expectOnlyTheMeantAlerts(scenario, await sim.alerts(), startedAtMs);
  }, 60_000);
});
