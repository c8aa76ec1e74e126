import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmergencyMessenger } from '../../../gateway/emergencies/emergency-messenger.js';
import type { Emergency, EmergencyStore } from '../../../gateway/emergencies/emergency-store.js';
import { PostgresEmergencyStore } from '../../../gateway/emergencies/postgres-emergency-store.js';
import { createLogger } from '../../../gateway/logger.js';
import { createMetrics } from '../../../gateway/metrics.js';
import { createChannelSender } from '../../../gateway/pager/channels.js';
import { migratePostgres, openPostgres, type PostgresPool } from '../../../gateway/store/postgres-database.js';
import type { EmergencyDispatchState } from '../../../rules/aed/index.js';
import { fakeClock, type FakeClock } from '../../helpers/fake-clock.js';
import { startReceiver, type HttpReceiver } from '../../helpers/http-receiver.js';
import { PostgresServer, postgresAvailable } from '../../helpers/postgres-server.js';

const T0 = Date.parse('2026-12-07T02:00:00Z');
const HOLD_MS = 15_000;

/** The shared outbox, seen from a gateway that is paused (SIGSTOP, a long GC) just before it renews its hold. */
class HeldUpBeforeRenewing extends PostgresEmergencyStore {
  constructor(
    pool: PostgresPool,
    private readonly reached: () => void,
    private readonly wake: Promise<void>,
  ) {
    super(pool);
  }

  override async renewMessageClaim(messageId: number, claimant: string, nowMs: number, holdMs: number): Promise<boolean> {
    this.reached();
    await this.wake;
    return super.renewMessageClaim(messageId, claimant, nowMs, holdMs);
  }
}

const emergency: Emergency = {
  id: 'e-1',
  ref: '120-20261207-0001',
  kind: 'cardiac_arrest',
  lat: 30.2656,
  lon: 120.1551,
  address: 'Li Guiying, Building 3',
  note: null,
  source: 'centre',
  createdBy: 'centre-120',
  createdAtMs: T0,
  state: 'active',
  closedAtMs: null,
  grid: 'g1',
  district: 'd1',
  resident: null,
  alertId: null,
  dispatch: { version: 1, patient: { lat: 30.2656, lon: 120.1551 }, runs: [], noRespondersAtMs: null } as unknown as EmergencyDispatchState,
  timeline: [],
  unlocks: [],
  ambulanceArrivedAtMs: null,
  revision: 1,
};

// Two gateways' messengers on one PostgreSQL outbox. One is held up between taking a message and
// sending it, past its hold; the other takes the message over and sends it. When the first wakes
// up it must not send the message again.
describe.skipIf(!postgresAvailable())('an emergency messenger held up past its hold on a shared outbox', () => {
  const server = new PostgresServer();
  let pool: PostgresPool;
  let receiver: HttpReceiver;

  beforeAll(async () => {
    await server.start();
    pool = openPostgres(await server.createDatabase('stalled_messenger'));
    await migratePostgres(pool);
    receiver = await startReceiver();
  }, 120_000);
  afterAll(async () => {
    await receiver?.close();
    await pool?.end();
    await server.stop();
  });

  const messengerOf = (store: EmergencyStore, claimant: string, clock: FakeClock): EmergencyMessenger =>
    new EmergencyMessenger({
      store,
      send: createChannelSender({ webhookTimeoutMs: 5_000, publishMqtt: async () => undefined }),
      retry: { maxAttempts: 2, backoffMs: 1_000 },
      claim: { claimant, holdMs: HOLD_MS },
      metrics: createMetrics(),
      log: createLogger('silent'),
      now: clock.now,
    });

  it('does not send a message another gateway took over and sent while it was held up', async () => {
    const clock = fakeClock(T0);
    let wake!: () => void;
    const heldUp = new Promise<void>((resolve) => (wake = resolve));
    let eastRenewing!: () => void;
    const eastReachedRenewal = new Promise<void>((resolve) => (eastRenewing = resolve));
    const shared = new PostgresEmergencyStore(pool);
    const east = messengerOf(new HeldUpBeforeRenewing(pool, eastRenewing, heldUp), 'east', clock);
    const west = messengerOf(shared, 'west', clock);
    await shared.save(
      emergency,
      [{ emergencyId: 'e-1', purpose: 'dispatch', routes: [{ to: 'v1', channel: { type: 'webhook', url: receiver.url('/v1') } }], body: { text: 'Cardiac arrest: Li Guiying, Building 3' }, nextAttemptAtMs: T0 }],
      T0,
    );

    const eastRun = east.runDue();
    await eastReachedRenewal;
    // West finds the message held by east, then, past the hold, takes it over and sends it.
    await west.runDue();
    expect(receiver.to('/v1')).toEqual([]);
    clock.advance(HOLD_MS + 5_000);
    await west.runDue();
    expect(receiver.to('/v1')).toHaveLength(1);

    wake();
    await eastRun;
    expect(receiver.to('/v1')).toHaveLength(1);
    expect((await shared.messagesOf('e-1')).map((m) => m.state)).toEqual(['delivered']);
  }, 120_000);
});
