import { describe, expect, it } from 'vitest';
import { DeliveryError, type ChannelSender, type OutboundMessage } from '../../gateway/pager/channels.js';
import type { PageRoute } from '../../gateway/pager/page-jobs.js';

/** What the far end got from one send: the key to deduplicate on and the message's words. */
export interface Received {
  idempotencyKey: string | undefined;
  text: string;
}

/** One channel to a person, with the far end it reaches. Each `open` gives a far end of its own. */
export interface ChannelEnd {
  send: ChannelSender;
  route: PageRoute;
  /** Everything the far end got so far, in arrival order. */
  received(): Received[];
  /** How the far end answers from now on: a status code, or never. */
  answer(behaviour: number | 'hang'): void;
  /** The same channel to a far end nobody listens at. */
  unreachable: PageRoute;
}

export interface ChannelAdapterFactory {
  name: string;
  /** Deliveries give up after this long without an answer. */
  timeoutMs: number;
  setup(): { open(): Promise<ChannelEnd> };
}

const notice = (text: string): OutboundMessage => ({ type: 'emergency', emergencyId: 'em-20261201-3', text });
const TEXT = '李桂英（3号楼）跌倒，请立即前往 / Li Guiying, Building 3, has fallen: please go now';

export function pagerChannelContract(factory: ChannelAdapterFactory): void {
  describe(`pager channel contract: ${factory.name}`, () => {
    const adapter = factory.setup();

    it('delivers a message once per send, words intact, with its idempotency key', async () => {
      const end = await adapter.open();
      await end.send(end.route, notice(TEXT), 'job-41:0:1');
      expect(end.received()).toEqual([{ idempotencyKey: 'job-41:0:1', text: TEXT }]);
    });

    it('sends again when asked again, with the key the far end can deduplicate on', async () => {
      const end = await adapter.open();
      await end.send(end.route, notice(TEXT), 'job-42:0:1');
      await end.send(end.route, notice(TEXT), 'job-42:0:1');
      await end.send(end.route, notice('第二条 / second'), 'job-43:0:1');
      expect(end.received().map((r) => r.idempotencyKey)).toEqual(['job-42:0:1', 'job-42:0:1', 'job-43:0:1']);
    });

    it('fails a refused delivery with a DeliveryError, code refused, saying how', async () => {
      const end = await adapter.open();
      end.answer(503);
      const sent = end.send(end.route, notice(TEXT), 'job-44:0:1');
      await expect(sent).rejects.toBeInstanceOf(DeliveryError);
      await expect(sent).rejects.toMatchObject({ code: 'refused', message: 'HTTP 503' });
      expect(end.received()).toHaveLength(1);
    });

    it('fails a delivery nobody answers once the time is up', async () => {
      const end = await adapter.open();
      end.answer('hang');
      const startedMs = Date.now();
      await expect(end.send(end.route, notice(TEXT), 'job-45:0:1')).rejects.toMatchObject({ code: 'no_answer', message: `no answer within ${factory.timeoutMs} ms` });
      expect(Date.now() - startedMs).toBeGreaterThanOrEqual(factory.timeoutMs - 5);
    });

    it('fails a delivery to a far end nobody listens at', async () => {
      const end = await adapter.open();
      const sent = end.send(end.unreachable, notice(TEXT), 'job-46:0:1');
      await expect(sent).rejects.toBeInstanceOf(DeliveryError);
      await expect(sent).rejects.toMatchObject({ code: 'unreachable' });
    });
  });
}
