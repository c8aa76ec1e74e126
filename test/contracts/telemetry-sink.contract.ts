import { describe, expect, it } from 'vitest';
import type { TelemetrySink } from '../../gateway/telemetry/telemetry-store.js';
import type { Reading } from '../../sensors/index.js';

/** A reading as read back from a sink's backend: device time and numeric values. */
export interface ReadBack {
  tsMs: number;
  values: Record<string, number>;
}

/**
 * One telemetry sink adapter. `readBack` reads the backend directly, oldest first; a backend that
 * shows writes after a delay waits there (on the condition, with a deadline) until it holds at
 * least `atLeast` readings. `storeOfRecord`: the sink is given a `committed` callback, and its
 * commit means the reading is kept (the QoS 1 PUBACK waits for it).
 */
export interface SinkAdapter {
  open(): Promise<TelemetrySink>;
  /** Closes the sink last opened and opens another on the same backend. */
  reopen(): Promise<TelemetrySink>;
  readBack(deviceId: string, atLeast: number): Promise<ReadBack[]>;
  readonly storeOfRecord: boolean;
}

export interface SinkAdapterFactory {
  name: string;
  setup(): SinkAdapter;
}

// Recent times: a time-series database may refuse samples far from its own clock.
const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 30 * 60_000;

function bracelet(deviceId: string, i: number, values: Record<string, number | boolean> = {}): Reading {
  return { deviceId, kind: 'bracelet', tsMs: T0 + i * 1_000, receivedAtMs: T0 + i * 1_000 + 5, values: { hr: 60 + i, spo2: 95 + (i % 3), ...values } };
}

/** A database keeps a boolean field as 1/0; the suite compares numbers. */
function asNumbers(values: Reading['values']): Record<string, number> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, typeof v === 'boolean' ? Number(v) : (v as number)]));
}

export function telemetrySinkContract(factory: SinkAdapterFactory): void {
  describe(`TelemetrySink contract: ${factory.name}`, () => {
    const adapter = factory.setup();
    // The backend may outlive one test (a database server): each test writes its own devices.
    let devices = 0;
    const device = (): string => `b-contract-${++devices}`;

    it('keeps every reading written before a flush, with its device time and values', async () => {
      const sink = await adapter.open();
      const id = device();
      const readings = [0, 1, 2, 3, 4].map((i) => bracelet(id, i, { worn: i % 2 === 0 }));
      for (const r of readings) sink.write(r);
      await sink.flush();
      expect(await adapter.readBack(id, readings.length)).toEqual(readings.map((r) => ({ tsMs: r.tsMs, values: asNumbers(r.values) })));
    });

    it('gives back readings in device-time order whatever the order written, each device apart', async () => {
      const sink = await adapter.open();
      const [a, b] = [device(), device()];
      for (const i of [3, 0, 2, 1]) sink.write(bracelet(a, i));
      sink.write(bracelet(b, 7, { hr: 101 }));
      await sink.flush();
      expect((await adapter.readBack(a, 4)).map((r) => [r.tsMs - T0, r.values.hr])).toEqual([
        [0, 60],
        [1_000, 61],
        [2_000, 62],
        [3_000, 63],
      ]);
      expect(await adapter.readBack(b, 1)).toEqual([{ tsMs: T0 + 7_000, values: { hr: 101, spo2: 96 } }]);
    });

    it('keeps what was written across a close and a new sink on the same backend', async () => {
      const first = await adapter.open();
      const id = device();
      first.write(bracelet(id, 0));
      first.write(bracelet(id, 1));
      // close() alone must hand everything over: no flush before it.
      const again = await adapter.reopen();
      again.write(bracelet(id, 2));
      await again.flush();
      expect((await adapter.readBack(id, 3)).map((r) => r.tsMs - T0)).toEqual([0, 1_000, 2_000]);
    });

    it.runIf(adapter.storeOfRecord)('as the store of record, says each reading is kept exactly once, and only once it is', async () => {
      const sink = await adapter.open();
      const id = device();
      const calls: (Error | undefined)[][] = [[], [], []];
      [0, 1, 2].forEach((i) => sink.write(bracelet(id, i), (err) => calls[i]!.push(err)));
      await sink.flush();
      expect(calls).toEqual([[undefined], [undefined], [undefined]]);
      expect(await adapter.readBack(id, 3)).toHaveLength(3);
      await sink.flush();
      expect(calls.map((c) => c.length)).toEqual([1, 1, 1]);
    });

    it.runIf(adapter.storeOfRecord)('as the store of record, refuses a reading once closed, saying so', async () => {
      const sink = await adapter.open();
      const id = device();
      await sink.close();
      const calls: (Error | undefined)[] = [];
      sink.write(bracelet(id, 0), (err) => calls.push(err));
      await sink.flush();
      expect(calls).toHaveLength(1);
      expect(calls[0]).toBeInstanceOf(Error);
      expect(await adapter.readBack(id, 0)).toEqual([]);
    });
  });
}
