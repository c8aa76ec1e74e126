import { fakeClock, type FakeClock } from './fake-clock.js';
import { startHarness, type Harness } from './gateway-harness.js';
import { startReceiver, type HttpReceiver } from './http-receiver.js';

export interface PagedGateway {
  /** Where the community's webhooks (and SMS gateway) point: records what it receives. */
  receiver: HttpReceiver;
  clock: FakeClock;
  h: Harness;
}

/** A gateway on a fake clock whose pages reach a recording HTTP server. */
export async function startPagedGateway(
  startMs: number,
  setUp: (receiver: HttpReceiver) => { provision: object; overrides?: Record<string, unknown> },
): Promise<PagedGateway> {
  const receiver = await startReceiver();
  const clock = fakeClock(startMs);
  const { provision, overrides } = setUp(receiver);
  const h = await startHarness({ provision, now: clock.now, ...(overrides === undefined ? {} : { overrides }) });
  return { receiver, clock, h };
}

export async function stopPagedGateway(gateway: Pick<PagedGateway, 'receiver' | 'h'>): Promise<void> {
  await gateway.h.dispose();
  await gateway.receiver.close();
}
