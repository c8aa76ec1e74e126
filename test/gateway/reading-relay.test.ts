import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReadingRelay, type RelayedReading } from '../../gateway/cluster/reading-relay.js';
import { serverAvailable, startScratchRedis, type ExternalServer } from '../helpers/external-server.js';
import { waitFor } from '../helpers/wait-for.js';

const reading = (hr: number) => ({ channel: 'telemetry', reading: { deviceId: 'b-0001', kind: 'bracelet', tsMs: hr, receivedAtMs: hr, values: { hr } } }) as const;

// The relay that carries readings from the gateway a bracelet reached to its partition's holder, on a real Redis.
describe.skipIf(!serverAvailable('redis-server'))('the reading relay', () => {
  let redis: ExternalServer;
  let url: string;
  const quiet = pino({ level: 'silent' });

  beforeAll(async () => {
    ({ server: redis, url } = await startScratchRedis());
  }, 60_000);
  afterAll(() => redis?.stop());

  function holder(): { relay: ReadingRelay; heard: [number, RelayedReading[]][] } {
    const heard: [number, RelayedReading[]][] = [];
    return { relay: new ReadingRelay(url, { heard: (partition, readings) => heard.push([partition, readings]) }, quiet), heard };
  }

  async function sendUntilHeard(relay: ReadingRelay, partition: number): Promise<void> {
    // Until the connections are up the relay says nobody heard (the caller uses the inbox meanwhile).
    await waitFor('the relay connected', () => relay.send(partition, 'b-0009', reading(1)), 30_000);
  }

  it('hands one turn’s readings for a partition to its holder together, and says so', async () => {
    const sender = new ReadingRelay(url, { heard: () => undefined }, quiet);
    const { relay, heard } = holder();
    try {
      await relay.hold([5, 6]);
      await sendUntilHeard(sender, 5);
      const sent = [sender.send(5, 'b-0001', reading(70)), sender.send(5, 'b-0002', reading(71)), sender.send(6, 'b-0003', reading(72))];
      expect(await Promise.all(sent)).toEqual([true, true, true]);
      // The probes sendUntilHeard sent aside (b-0009).
      const relayed = () => heard.filter(([, readings]) => readings.every(([deviceId]) => deviceId !== 'b-0009'));
      await waitFor('both partitions heard', () => relayed().length === 2, 30_000);
      const byPartition = new Map(relayed());
      expect(byPartition.get(5)).toEqual([
        ['b-0001', reading(70)],
        ['b-0002', reading(71)],
      ]);
      expect(byPartition.get(6)).toEqual([['b-0003', reading(72)]]);
    } finally {
      await Promise.all([sender.close(), relay.close()]);
    }
  }, 60_000);

  it('says nobody heard a partition no gateway listens to, or one given up, so the reading goes to the inbox', async () => {
    const sender = new ReadingRelay(url, { heard: () => undefined }, quiet);
    const { relay, heard } = holder();
    try {
      await relay.hold([9]);
      await sendUntilHeard(sender, 9);
      expect(await sender.send(10, 'b-0001', reading(70))).toBe(false);
      await relay.release([9]);
      expect(await sender.send(9, 'b-0001', reading(71))).toBe(false);
      expect(heard.flatMap(([, readings]) => readings).filter(([deviceId]) => deviceId !== 'b-0009')).toEqual([]);
    } finally {
      await Promise.all([sender.close(), relay.close()]);
    }
    // Closed: nothing is sent any more, and it says so.
    expect(await sender.send(9, 'b-0001', reading(72))).toBe(false);
  }, 60_000);

  it('says nobody heard at once while Redis is away, rather than holding the reading', async () => {
    const { server, url: ownUrl } = await startScratchRedis();
    const sender = new ReadingRelay(ownUrl, { heard: () => undefined }, quiet);
    const listening = new ReadingRelay(ownUrl, { heard: () => undefined }, quiet);
    try {
      await listening.hold([3]);
      await sendUntilHeard(sender, 3);
      await server.stop();
      expect(await sender.send(3, 'b-0001', reading(70))).toBe(false);
    } finally {
      await Promise.all([sender.close(), listening.close()]);
      await server.stop();
    }
  }, 60_000);
});
