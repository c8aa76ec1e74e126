import { afterEach, describe, expect, it } from 'vitest';
import { createSafetyEngine, type SafetyRuleOverrides, type SafetyRulesConfig } from '../../../rules/safety/index.js';
import { createAedService } from '../../../gateway/aed/aed-service.js';
import { SqliteRuleStateStore } from '../../../gateway/alerts/rule-state-store.js';
import { connectSafetyRules } from '../../../gateway/alerts/safety-rules.js';
import { buildGateway, type Gateway } from '../../../gateway/build-gateway.js';
import { createEvaluateStage } from '../../../gateway/evaluate/evaluate-stage.js';
import { createLogger } from '../../../gateway/logger.js';
import { readDeploymentSettings } from '../../../gateway/registry/provision.js';
import type { DecodedMessage } from '../../../sensors/index.js';
import { fakeClock, type FakeClock } from '../../helpers/fake-clock.js';
import { harnessConfig, removeDataDir } from '../../helpers/gateway-harness.js';
import { heldRuleState, provisionedDataDir, settled, type HeldRuleState } from './stage-fixtures.js';

/*
 * The order the evaluate stage keeps: an engine's state is written, and only once the write is
 * kept are the alerts it caused raised; a timer's outcomes take the same path as a message's. The
 * engines here write through a rule-state store the test holds, as a networked store would be
 * slow, over the gateway's real SQLite file and alert service (built, never started).
 */

const T0 = Date.parse('2026-12-07T02:00:00Z');
const log = createLogger('silent');

const cabinetEvent = (type: 'door_open' | 'door_closed', tsMs: number): DecodedMessage => ({ channel: 'events', event: { deviceId: 'aed-01', kind: 'aed', tsMs, receivedAtMs: tsMs, event: { type } } });
const cabinetReport = (door: 'open' | 'closed', tsMs: number): DecodedMessage => ({
  channel: 'telemetry',
  reading: { deviceId: 'aed-01', kind: 'aed', tsMs, receivedAtMs: tsMs, values: { door, present: true } },
});

describe('evaluate stage: rule state is kept before the alerts it caused are raised', () => {
  let gateway: Gateway | undefined;
  let dataDir: string | undefined;
  afterEach(async () => {
    await gateway?.stop();
    if (dataDir !== undefined) removeDataDir(dataDir);
    gateway = undefined;
    dataDir = undefined;
  });

  /** The gateway's alert service and registry, with safety rules and cabinets of the test's own over `ruleState`. */
  async function engines(held: (g: Gateway) => HeldRuleState) {
    dataDir = await provisionedDataDir(T0);
    const clock: FakeClock = fakeClock(T0);
    const built = await buildGateway({ config: harnessConfig(dataDir, undefined), log, now: clock.now });
    gateway = built;
    const ruleState = held(built);
    const settings = readDeploymentSettings(built.db);
    const config: SafetyRulesConfig = { rules: settings.rules as SafetyRuleOverrides, grids: {} };
    const deps = { registry: built.registry, alerts: built.alerting.service, ruleState: ruleState.store, log, now: clock.now };
    const safety = await connectSafetyRules({ ...deps, engine: createSafetyEngine({ config, timeZone: settings.timeZone }), config });
    const aed = await createAedService({ ...deps, settings, metrics: built.metrics });
    const stage = createEvaluateStage({ registry: built.registry, safety, aed, aqhi: built.aqhi, ruleState: ruleState.store, log });
    return { gateway: built, clock, ruleState, stage, settings, aed };
  }

  const cabinetAlerts = (g: Gateway) => g.alerting.service.activeAlerts().filter((a) => a.kind === 'aed_opened');

  it("writes a cabinet's state before raising its opening, and raises it once the write is kept", async () => {
    const { gateway, clock, ruleState, stage } = await engines((g) => heldRuleState(g.db));
    const cabinet = gateway.registry.get('devices', 'aed-01')!;
    await stage.evaluateMessage(cabinetReport('closed', clock.advance(1_000)), cabinet, clock.now()).committed;

    ruleState.hold();
    const opened = stage.evaluateMessage(cabinetEvent('door_open', clock.advance(1_000)), cabinet, clock.now());
    expect(opened.aed.map((o) => o.type === 'raise' && `${o.kind} ${o.subject}`)).toContain('aed_opened a1');
    await settled();
    expect(cabinetAlerts(gateway)).toEqual([]);

    ruleState.release();
    await opened.committed;
    expect(cabinetAlerts(gateway).map((a) => `${a.subject} ${a.occurrences}`)).toEqual(['a1 1']);
    expect(JSON.stringify(await new SqliteRuleStateStore(gateway.db).load('aed-cabinets'))).toContain('"door":"open"');
  });

  it('a kill while the cabinet state is being written raises nothing; after the restart the next report raises the opening once', async () => {
    const { gateway, clock, ruleState, stage, settings, aed } = await engines((g) => heldRuleState(g.db));
    const cabinet = gateway.registry.get('devices', 'aed-01')!;
    await stage.evaluateMessage(cabinetReport('closed', clock.advance(1_000)), cabinet, clock.now()).committed;
    // A closed door changes nothing to raise; its state is kept by the next save (here, at once).
    await aed.save();

    ruleState.hold();
    // The process dies with this write in flight: it is never kept, and nothing after it runs.
    void stage.evaluateMessage(cabinetEvent('door_open', clock.advance(1_000)), cabinet, clock.now()).committed;
    await settled();
    expect(cabinetAlerts(gateway)).toEqual([]);

    // The restart: cabinets restored from what was kept (the door closed), over the same file.
    const restarted = await createAedService({ registry: gateway.registry, alerts: gateway.alerting.service, ruleState: new SqliteRuleStateStore(gateway.db), settings, metrics: gateway.metrics, log, now: clock.now });
    const after = createEvaluateStage({ registry: gateway.registry, safety: gateway.alerting.safety, aed: restarted, aqhi: gateway.aqhi, ruleState: new SqliteRuleStateStore(gateway.db), log });
    await after.evaluateMessage(cabinetReport('open', clock.advance(10_000)), cabinet, clock.now()).committed;
    await after.evaluateMessage(cabinetReport('open', clock.advance(10_000)), cabinet, clock.now()).committed;
    expect(cabinetAlerts(gateway).map((a) => `${a.subject} ${a.occurrences}`)).toEqual(['a1 1']);
  });

  it('a kill after the state is kept and before its alert is raised: the restart raises the opening, once', async () => {
    const { gateway, clock, settings, aed } = await engines((g) => heldRuleState(g.db));
    const cabinet = gateway.registry.get('devices', 'aed-01')!;
    const store = new SqliteRuleStateStore(gateway.db);
    // The process dies while raising: the cabinet's state and the decided outcomes are kept, nothing is raised.
    const dying = createEvaluateStage({ registry: gateway.registry, safety: gateway.alerting.safety, aed: { ...aed, apply: () => new Promise<void>(() => undefined) }, aqhi: gateway.aqhi, ruleState: store, log });
    void dying.evaluateMessage(cabinetEvent('door_open', clock.advance(1_000)), cabinet, clock.now()).committed;
    await settled();
    expect(cabinetAlerts(gateway)).toEqual([]);

    const restarted = await createAedService({ registry: gateway.registry, alerts: gateway.alerting.service, ruleState: store, settings, metrics: gateway.metrics, log, now: clock.now });
    const after = createEvaluateStage({ registry: gateway.registry, safety: gateway.alerting.safety, aed: restarted, aqhi: gateway.aqhi, ruleState: store, log });
    expect(await after.recover(clock.now())).toBe(1);
    expect(cabinetAlerts(gateway).map((a) => `${a.subject} ${a.occurrences}`)).toEqual(['a1 1']);
    // The door was kept open: its next report raises nothing more, and nothing is left to recover.
    await after.evaluateMessage(cabinetReport('open', clock.advance(10_000)), cabinet, clock.now()).committed;
    expect(cabinetAlerts(gateway).map((a) => `${a.subject} ${a.occurrences}`)).toEqual(['a1 1']);
    expect(await after.recover(clock.now())).toBe(0);
  });

  it("runs the timers by the same path: a bracelet's silence is written before its alert is raised", async () => {
    const { gateway, clock, ruleState, stage } = await engines((g) => heldRuleState(g.db));
    await stage.tick(clock.now());
    const offline = () => gateway.alerting.service.activeAlerts().filter((a) => a.kind === 'device_offline').map((a) => a.subject).sort();

    ruleState.hold();
    // Both bracelets have been silent past deviceOffline.afterS (1800 s by default).
    const ticking = stage.tick(clock.advance(31 * 60_000));
    await settled();
    expect(offline()).toEqual([]);
    const writesBefore = ruleState.written.length;

    ruleState.release();
    const result = await ticking;
    expect(result.safety.filter((o) => o.type === 'raise').map((o) => o.subject).sort()).toEqual(['r1', 'r2']);
    expect(offline()).toEqual(['r1', 'r2']);
    const kept = ruleState.written.slice(writesBefore).flat();
    expect(kept).toEqual(expect.arrayContaining(['safety:subject:r1', 'safety:subject:r2']));
    const r1 = (await new SqliteRuleStateStore(gateway.db).load('safety:subject:r1')) as { rules: { deviceOffline: { raised: boolean } } };
    expect(r1.rules.deviceOffline.raised).toBe(true);
  });
});
