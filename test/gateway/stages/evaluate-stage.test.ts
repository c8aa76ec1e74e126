import { afterEach, describe, expect, it } from 'vitest';
import { buildGateway, type Gateway } from '../../../gateway/build-gateway.js';
import { SqliteRuleStateStore } from '../../../gateway/alerts/rule-state-store.js';
import { createEvaluateStage, type EvaluateStage } from '../../../gateway/evaluate/evaluate-stage.js';
import { createLogger } from '../../../gateway/logger.js';
import type { DecodedMessage } from '../../../sensors/index.js';
import { fakeClock, type FakeClock } from '../../helpers/fake-clock.js';
import { TEST_PROVISION, harnessConfig, removeDataDir } from '../../helpers/gateway-harness.js';
import { provisionedDataDir } from './stage-fixtures.js';

/*
 * The evaluate stage on its own: the gateway's real engines and alert service over a real SQLite
 * file, built but never started (no broker, no HTTP listener), on a clock the test moves.
 */

const T0 = Date.parse('2026-12-07T02:00:00Z');

const sos = (tsMs: number): DecodedMessage => ({ channel: 'events', event: { deviceId: 'b-0001', kind: 'bracelet', tsMs, receivedAtMs: tsMs, event: { type: 'sos' } } });
const doorOpen = (tsMs: number): DecodedMessage => ({ channel: 'events', event: { deviceId: 'aed-01', kind: 'aed', tsMs, receivedAtMs: tsMs, event: { type: 'door_open' } } });
const air = (tsMs: number): DecodedMessage => ({
  channel: 'telemetry',
  reading: { deviceId: 'air-01', kind: 'air', tsMs, receivedAtMs: tsMs, values: { no2: 45, so2: 9, o3: 65, pm10: 55, pm25: 32 } },
});

describe('evaluateMessage: one stored message through the safety, cabinet and air engines', () => {
  let gateway: Gateway | undefined;
  let dataDir: string | undefined;
  afterEach(async () => {
    await gateway?.stop();
    if (dataDir !== undefined) removeDataDir(dataDir);
    gateway = undefined;
    dataDir = undefined;
  });

  async function build(): Promise<{ gateway: Gateway; clock: FakeClock; syncs: string[]; stage: EvaluateStage; evaluate: EvaluateStage['evaluateMessage'] }> {
    dataDir = await provisionedDataDir(T0);
    const clock = fakeClock(T0);
    gateway = await buildGateway({ config: harnessConfig(dataDir, undefined), log: createLogger('silent'), now: clock.now });
    const { safety, aed } = gateway.alerting;
    const syncs: string[] = [];
    const stage = createEvaluateStage({
      registry: gateway.registry,
      safety: { ...safety, syncRegistry: (nowMs) => (syncs.push('safety'), safety.syncRegistry(nowMs)) },
      aed: { ...aed, syncRegistry: (nowMs) => (syncs.push('aed'), aed.syncRegistry(nowMs)) },
      aqhi: gateway.aqhi,
      ruleState: new SqliteRuleStateStore(gateway.db),
      log: createLogger('silent'),
    });
    return { gateway, clock, syncs, stage, evaluate: stage.evaluateMessage };
  }

  it('raises an SOS for the resident, with her rule state saved in the same SQLite file', async () => {
    const { gateway, clock, evaluate } = await build();
    const before = await new SqliteRuleStateStore(gateway.db).load('safety:subject:r1');
    clock.advance(1_000);
    const result = evaluate(sos(clock.now()), gateway.registry.get('devices', 'b-0001')!, clock.now());
    await result.committed;
    expect(result.safety.map((o) => (o.type === 'raise' ? `${o.type} ${o.kind} ${o.subject}` : o.type))).toEqual(['raise sos r1']);
    expect(result.aed).toEqual([]);
    expect(result.aqhi).toEqual([]);
    const raised = gateway.alerting.service.activeAlerts();
    expect(raised.map((a) => `${a.kind} ${a.subject} ${a.grid}`)).toEqual(['sos r1 g1']);
    const after = await new SqliteRuleStateStore(gateway.db).load('safety:subject:r1');
    expect(after).toBeDefined();
    expect(after).not.toEqual(before);
  });

  it('opens a cabinet incident from the AED\'s door and leaves the residents alone', async () => {
    const { gateway, clock, evaluate } = await build();
    clock.advance(1_000);
    const result = evaluate(doorOpen(clock.now()), gateway.registry.get('devices', 'aed-01')!, clock.now());
    await result.committed;
    expect(result.safety).toEqual([]);
    expect(result.aed.filter((o) => o.type === 'raise').map((o) => o.type === 'raise' && `${o.kind} ${o.subject}`)).toEqual(['aed_opened a1']);
    expect(gateway.alerting.service.activeAlerts().map((a) => `${a.kind} ${a.subject}`)).toEqual(['aed_opened a1']);
    expect(gateway.alerting.aed.cabinet('a1')).toBeDefined();
  });

  it('gives the air station\'s reading to the index and returns the station-hour it changed', async () => {
    const { gateway, clock, evaluate } = await build();
    clock.advance(1_000);
    const result = evaluate(air(clock.now()), gateway.registry.get('devices', 'air-01')!, clock.now());
    expect(result.safety).toEqual([]);
    expect(result.aed).toEqual([]);
    expect(result.aqhi.map((u) => u.stationId)).toContain('s1');
    expect(result.committed).toBeUndefined();
    expect(gateway.alerting.service.activeAlerts()).toEqual([]);
  });

  it('follows the registry once per registry version, safety first, and again after an edit', async () => {
    const { gateway, clock, syncs, evaluate } = await build();
    const bracelet = gateway.registry.get('devices', 'b-0001')!;
    const reading = (tsMs: number): DecodedMessage => ({ channel: 'telemetry', reading: { deviceId: 'b-0001', kind: 'bracelet', tsMs, receivedAtMs: tsMs, values: { hr: 72 } } });
    evaluate(reading(clock.advance(1_000)), bracelet, clock.now());
    evaluate(reading(clock.advance(1_000)), bracelet, clock.now());
    evaluate(air(clock.advance(1_000)), gateway.registry.get('devices', 'air-01')!, clock.now());
    expect(syncs).toEqual(['safety', 'aed']);
    await gateway.registry.put('residents', { ...TEST_PROVISION.residents[1], name: 'Zhang Xiuying', conditions: ['copd'] });
    evaluate(reading(clock.advance(1_000)), bracelet, clock.now());
    evaluate(reading(clock.advance(1_000)), bracelet, clock.now());
    expect(syncs).toEqual(['safety', 'aed', 'safety', 'aed']);
  });

  it('runs a tick by the same path: the registry followed once per version, shared with the messages', async () => {
    const { gateway, clock, syncs, stage, evaluate } = await build();
    const bracelet = gateway.registry.get('devices', 'b-0001')!;
    const reading = (tsMs: number): DecodedMessage => ({ channel: 'telemetry', reading: { deviceId: 'b-0001', kind: 'bracelet', tsMs, receivedAtMs: tsMs, values: { hr: 72 } } });
    await stage.tick(clock.advance(1_000));
    evaluate(reading(clock.advance(1_000)), bracelet, clock.now());
    await stage.tick(clock.advance(1_000));
    expect(syncs).toEqual(['safety', 'aed']);
    await gateway.registry.put('residents', { ...TEST_PROVISION.residents[0], name: 'Li Guiying' });
    const result = await stage.tick(clock.advance(1_000));
    expect(syncs).toEqual(['safety', 'aed', 'safety', 'aed']);
    expect(result.safety).toEqual([]);
  });
});
