import { describe, expect, it } from 'vitest';
import { startCommunity } from '../../firmware-sim/community.js';
import { backoffDelayMs } from '../../firmware-sim/device-client.js';
import { MINUTE_MS } from '../../firmware-sim/local-time.js';
import { createManualClock } from '../../firmware-sim/sim-clock.js';
import { withOnlyDevices } from '../../firmware-sim/sim-provision.js';
import { startHarness } from '../helpers/gateway-harness.js';
import { waitFor } from '../helpers/wait-for.js';
import { demoProvision, shanghai } from './sim-gateway.js';

describe('reconnect backoff', () => {
  it('doubles from the initial delay up to the cap, spread by the jitter', () => {
    const fixed = { initialDelayMs: 500, maxDelayMs: 30_000, jitter: 0 };
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffDelayMs(fixed, n))).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
    const low = backoffDelayMs({ ...fixed, jitter: 0.2, random: () => 0 }, 3);
    const high = backoffDelayMs({ ...fixed, jitter: 0.2, random: () => 0.999999 }, 3);
    expect([low, high]).toEqual([1600, 2400]);
  });
});

describe('a simulated device when the gateway restarts', () => {
  it('reconnects with growing delays, reports itself online, and delivers the QoS 1 event sent while the gateway was down', async () => {
    const clock = createManualClock(shanghai('2026-11-23T10:00:00'));
    const provision = withOnlyDevices(demoProvision(), ['b-0005']);
    const overrides = { alerts: { tickMs: 60_000 } };
    const first = await startHarness({ provision: provision.raw, now: clock.now, overrides });
    const community = await startCommunity({
      provision,
      url: first.mqttUrl,
      clock,
      seed: 'test',
      reconnect: { initialDelayMs: 50, maxDelayMs: 400, factor: 2, jitter: 0 },
    });
    const bracelet = community.bracelet('b-0005');
    try {
      await clock.advance(2 * MINUTE_MS);
      await community.drain();

      await first.stop();
      await waitFor('the bracelet to notice the gateway is gone', () => !bracelet.connected);
      await waitFor('four refused attempts', () => bracelet.client.reconnectDelaysMs.length >= 5);

      // The wearer presses the call button while the gateway is down: QoS 1, kept until delivered.
      bracelet.act((model, nowMs) => model.sos(nowMs));

      const second = await startHarness({ dataDir: first.dataDir, provision: provision.raw, now: clock.now, overrides: { ...overrides, mqttPort: first.ports.mqtt } });
      // Counted by the new gateway from its first message on (a listener attached now could miss
      // what arrives while its HTTP side is still starting).
      const accepted = async (channel: string): Promise<number> =>
        (await second.gateway.metrics.messagesAccepted.get()).values.filter((v) => v.labels.channel === channel).reduce((n, v) => n + v.value, 0);
      try {
        await waitFor('the bracelet to reconnect', () => bracelet.connected && bracelet.client.stats.reconnects === 1, 15_000);
        expect(bracelet.client.reconnectDelaysMs.slice(0, 5)).toEqual([50, 100, 200, 400, 400]);
        expect(bracelet.client.reconnectDelaysMs.every((d) => d <= 400)).toBe(true);

        await waitFor('an online status after reconnecting', async () => (await accepted('status')) >= 1);
        // The SOS sent during the outage arrives and is an alert at once.
        await waitFor('the SOS sent during the outage', async () => (await accepted('events')) >= 1);
        await second.gateway.alerting.tick();
        const alerts = (await second.api('GET', '/api/alerts')).body.alerts as { kind: string; subject: string; severity: string }[];
        expect(alerts).toMatchObject([{ kind: 'sos', subject: 'r5', severity: 'critical' }]);

        // Telemetry carries on.
        const before = await accepted('telemetry');
        await clock.advance(3 * MINUTE_MS);
        await community.drain();
        await waitFor('telemetry on the new gateway', async () => (await accepted('telemetry')) > before);
      } finally {
        await community.stop();
        await second.dispose();
      }
    } finally {
      clock.stop();
      await community.stop();
      await first.dispose();
    }
  });
});
