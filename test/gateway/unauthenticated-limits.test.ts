import { rmSync, readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SECRETS, makeDataDir, startHarness, type Harness } from '../helpers/gateway-harness.js';
import { startGatewayProcess } from '../helpers/gateway-process.js';
import { RawMqtt, connectPacket, remainingLength } from '../helpers/raw-mqtt.js';
import { waitFor } from '../helpers/wait-for.js';

const guarded = async (h: Harness, reason: string): Promise<number> =>
  (await h.gateway.metrics.connectionsGuarded.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;

describe('what an unauthenticated connection may cost', () => {
  let h: Harness;
  const open: RawMqtt[] = [];
  beforeAll(async () => {
    h = await startHarness({ overrides: { broker: { secretHashCost: 1024, maxUnauthenticatedPerAddress: 5 } } });
  });
  afterEach(() => {
    for (const raw of open.splice(0)) raw.end();
  });
  afterAll(async () => {
    await h.dispose();
  });

  it('closes a connection whose CONNECT declares more than the packet limit, at its header', async () => {
    const raw = await RawMqtt.open(h.ports.mqtt);
    open.push(raw);
    raw.write(Buffer.concat([Buffer.from([0x10]), remainingLength(255 * 1024 * 1024), Buffer.alloc(1024)]));
    await raw.whenClosed();
    expect(await guarded(h, 'packet_too_large')).toBe(1);
  });

  it('closes connections from one address past the limit of unauthenticated ones; an authenticated one frees its place', async () => {
    for (let i = 0; i < 5; i++) open.push(await RawMqtt.open(h.ports.mqtt));
    const sixth = await RawMqtt.open(h.ports.mqtt);
    open.push(sixth);
    await sixth.whenClosed();
    expect(await guarded(h, 'too_many_unauthenticated')).toBe(1);
    expect(open.slice(0, 5).every((raw) => !raw.closed)).toBe(true);

    // One of the five logs in: it no longer counts, so one more may connect.
    open[0]!.write(connectPacket('b-0001', 'b-0001', SECRETS['b-0001']!));
    expect((await open[0]!.next(2)).body[1]).toBe(0);
    const another = await RawMqtt.open(h.ports.mqtt);
    open.push(another);
    another.write(connectPacket('b-0002', 'b-0002', SECRETS['b-0002']!));
    expect((await another.next(2)).body[1]).toBe(0);
    expect(await guarded(h, 'too_many_unauthenticated')).toBe(1);
  });
});

function rssBytes(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

describe('ten sockets declaring 255 MB CONNECTs, on the real process', () => {
  it('are closed, and the gateway grows by less than 50 MB', async () => {
    const dataDir = makeDataDir();
    const gw = await startGatewayProcess(dataDir, { ADMIN_TOKEN: 'unauthenticated-limits-admin-token' }, []);
    try {
      const before = rssBytes(gw.child.pid!);
      const sockets = await Promise.all(Array.from({ length: 10 }, () => RawMqtt.open(gw.ports.mqtt)));
      const megabyte = Buffer.alloc(1024 * 1024, 0x61);
      // Each declares 255 MB and keeps sending, a megabyte at a time, for as long as it is let.
      const sent = await Promise.all(
        sockets.map(async (raw) => {
          raw.write(Buffer.concat([Buffer.from([0x10]), remainingLength(255 * 1024 * 1024)]));
          let n = 0;
          while (!raw.closed && n < 255) {
            const flushed = raw.socket.write(megabyte);
            n++;
            if (!flushed) await new Promise<void>((resolve) => raw.socket.once('drain', resolve).once('close', resolve));
          }
          return n;
        }),
      );
      await Promise.all(sockets.map((raw) => raw.whenClosed(30_000)));
      expect(sent.every((n) => n < 255)).toBe(true);
      const grown = rssBytes(gw.child.pid!) - before;
      expect(grown).toBeLessThan(50 * 1024 * 1024);
      // Still serving.
      const ready = await waitFor('/healthz', async () => (await fetch(`${gw.http}/healthz`)).status === 200, 30_000);
      expect(ready).toBe(true);
    } finally {
      await gw.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
