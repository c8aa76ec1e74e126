import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { startCommunity, type Community, type CommunityOptions } from '../../firmware-sim/community.js';
import { HOUR_MS } from '../../firmware-sim/local-time.js';
import type { ListedAlert } from '../../firmware-sim/scenario-check.js';
import { createManualClock, type ManualSimClock } from '../../firmware-sim/sim-clock.js';
import { parseProvision, withOnlyDevices, withWebhookBase, type SimProvision } from '../../firmware-sim/sim-provision.js';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { startReceiver, type HttpReceiver } from '../helpers/http-receiver.js';
import { waitFor } from '../helpers/wait-for.js';

/** The demo community, as the simulator and the gateway both read it. */
export function demoProvision(): SimProvision {
  return parseProvision(YAML.parse(readFileSync('gateway/demo/provision.yaml', 'utf8')) as Record<string, unknown>);
}

/** An instant given as local Shanghai time on a weekday (UTC+8, no daylight saving). */
export function shanghai(localIso: string): number {
  return Date.parse(`${localIso}+08:00`);
}

export interface SimGateway {
  clock: ManualSimClock;
  harness: Harness;
  community: Community;
  receiver: HttpReceiver;
  provision: SimProvision;
  /** Moves the shared clock on in steps; after each, waits for the gateway and runs its timers. */
  run(totalMs: number, stepMs: number): Promise<void>;
  /** Waits until the gateway has taken (accepted or refused) every message the devices sent. */
  settle(): Promise<void>;
  alerts(): Promise<ListedAlert[]>;
  dispose(): Promise<void>;
}

async function counted(harness: Harness): Promise<number> {
  const sum = async (metric: { get(): Promise<{ values: { value: number }[] }> }): Promise<number> => (await metric.get()).values.reduce((n, v) => n + v.value, 0);
  return (await sum(harness.gateway.metrics.messagesAccepted)) + (await sum(harness.gateway.metrics.messagesRejected));
}

/**
 * A real gateway and simulated devices on one manual clock: the gateway's `now` is the
 * simulation's, so a test moves both by hand and nothing waits on real time.
 */
export async function startSimGateway(options: {
  startMs: number;
  deviceIds: readonly string[];
  community?: Partial<Omit<CommunityOptions, 'provision' | 'url' | 'clock'>>;
}): Promise<SimGateway> {
  const clock = createManualClock(options.startMs);
  const receiver = await startReceiver();
  const provision = withWebhookBase(withOnlyDevices(demoProvision(), options.deviceIds), receiver.baseUrl);
  const harness = await startHarness({
    provision: provision.raw,
    now: clock.now,
    // Timers run when the test says so, not on the real clock.
    overrides: { alerts: { tickMs: 60_000 }, pager: { timeoutMs: 2000, maxAttempts: 1, backoffMs: 0 } },
  });
  const community = await startCommunity({ provision, url: harness.mqttUrl, clock, seed: 'test', reconnect: false, ...options.community });
  let lastHour = Math.floor(clock.now() / HOUR_MS);

  const settle = async (): Promise<void> => {
    await community.drain();
    const sent = community.sent();
    await waitFor(`the gateway to take all ${sent} messages`, async () => (await counted(harness)) >= sent);
  };

  const step = async (ms: number): Promise<void> => {
    await clock.advance(ms);
    await settle();
    const hour = Math.floor(clock.now() / HOUR_MS);
    if (hour !== lastHour) {
      lastHour = hour;
      await harness.gateway.aqhi.tick(clock.now());
    }
    await harness.gateway.alerting.tick();
  };

  return {
    clock,
    harness,
    community,
    receiver,
    provision,
    settle,
    async run(totalMs, stepMs) {
      const end = clock.now() + totalMs;
      while (clock.now() < end) await step(Math.min(stepMs, end - clock.now()));
    },
    async alerts() {
      const response = await harness.api('GET', '/api/alerts?limit=1000');
      return response.body.alerts as ListedAlert[];
    },
    async dispose() {
      clock.stop();
      await community.stop();
      await harness.dispose();
      await receiver.close();
    },
  };
}
