import { describe, expect, it } from 'vitest';
import { DeliveryError, type ChannelSender, type DeliveryFailure, type OutboundMessage } from '../../gateway/pager/channels.js';
import type { PageRoute } from '../../gateway/pager/page-jobs.js';
import { waitFor } from '../helpers/wait-for.js';

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
  /** How the far end answers from now on: a status code, or never (a channel whose far end answers). */
  answer?(behaviour: number | 'hang'): void;
  /** The same channel to a far end nobody listens at. */
  unreachable: PageRoute;
}

export interface ChannelAdapterFactory {
  name: string;
  /** Deliveries give up after this long without an answer. */
  timeoutMs: number;
  /**
   * What the far end can do: see the idempotency key (an HTTP header; an MQTT message carries
   * none, the subscriber deduplicates on the page itself), and answer, refusing a delivery or
   * keeping it waiting (HTTP; a broker takes a QoS 1 message or refuses it at once).
   */
  far: { seesKeys: boolean; answers: boolean };
  /** The code of a delivery to a far end nobody listens at. */
  unreachableCode: DeliveryFailure;
  setup(): { open(): Promise<ChannelEnd> };
}

const notice = (text: string): OutboundMessage => ({ type: 'emergency', emergencyId: 'em-20261201-3', text });
const TEXT = '李桂英（3号楼）跌倒，请立即前往 / Li Guiying, Building 3, has fallen: please go now';

/** What the far end has got once `count` messages are there (a subscriber hears of a message after the send resolves). */
async function arrived(end: ChannelEnd, count: number): Promise<Received[]> {
  return waitFor(`${count} message(s) at the far end`, () => end.received().length >= count && end.received());
}

export function pagerChannelContract(factory: ChannelAdapterFactory): void {
  describe(`pager channel contract: ${factory.name}`, () => {
    const adapter = factory.setup();
    const keyAs = (key: string): string | undefined => (factory.far.seesKeys ? key : undefined);

    it('delivers a message once per send, words intact, with its idempotency key where the far end sees keys', async () => {
      const end = await adapter.open();
      await end.send(end.route, notice(TEXT), 'job-41:0:1');
      expect(await arrived(end, 1)).toEqual([{ idempotencyKey: keyAs('job-41:0:1'), text: TEXT }]);
    });

    it('sends again when asked again, in order, with the key the far end can deduplicate on', async () => {
      const end = await adapter.open();
      await end.send(end.route, notice(TEXT), 'job-42:0:1');
      await end.send(end.route, notice(TEXT), 'job-42:0:1');
      await end.send(end.route, notice('第二条 / second'), 'job-43:0:1');
      expect((await arrived(end, 3)).map((r) => [r.idempotencyKey, r.text])).toEqual([
        [keyAs('job-42:0:1'), TEXT],
        [keyAs('job-42:0:1'), TEXT],
        [keyAs('job-43:0:1'), '第二条 / second'],
      ]);
    });

    it.skipIf(!factory.far.answers)('fails a refused delivery with a DeliveryError, code refused, saying how', async () => {
      const end = await adapter.open();
      end.answer!(503);
      const sent = end.send(end.route, notice(TEXT), 'job-44:0:1');
      await expect(sent).rejects.toBeInstanceOf(DeliveryError);
      await expect(sent).rejects.toMatchObject({ code: 'refused', message: 'HTTP 503' });
      expect(end.received()).toHaveLength(1);
    });

    it.skipIf(!factory.far.answers)('fails a delivery nobody answers once the time is up', async () => {
      const end = await adapter.open();
      end.answer!('hang');
      const startedMs = Date.now();
      await expect(end.send(end.route, notice(TEXT), 'job-45:0:1')).rejects.toMatchObject({ code: 'no_answer', message: `no answer within ${factory.timeoutMs} ms` });
      expect(Date.now() - startedMs).toBeGreaterThanOrEqual(factory.timeoutMs - 5);
    });

    it('fails a delivery to a far end nobody listens at', async () => {
      const end = await adapter.open();
      const sent = end.send(end.unreachable, notice(TEXT), 'job-46:0:1');
      await expect(sent).rejects.toBeInstanceOf(DeliveryError);
      await expect(sent).rejects.toMatchObject({ code: factory.unreachableCode });
    });
  });
}
