import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { InfluxTelemetryStore } from '../../gateway/telemetry/influx-telemetry-store.js';
import { freePort, serverAvailable } from '../helpers/external-server.js';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { VictoriaMetrics } from '../helpers/victoria-metrics.js';
import { waitFor } from '../helpers/wait-for.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function gatewayWithInflux(vm: VictoriaMetrics, influx: Record<string, unknown> = {}): Promise<Harness> {
  const h = await startHarness({
    overrides: {
      broker: { secretHashCost: 1024 },
      influx: { url: vm.url, token: 'unused', org: 'community', bucket: 'telemetry', maxBufferLines: 50_000, flushIntervalMs: 50, batchSize: 1000, ...influx },
    },
  });
  cleanup.push(() => h.dispose());
  return h;
}

function counter(metrics: string, name: string, labels: string): number {
  const match = new RegExp(`^${name}\\{${labels}\\} (\\d+(?:\\.\\d+)?)$`, 'm').exec(metrics);
  return match === null ? 0 : Number(match[1]);
}

describe.runIf(serverAvailable('victoria-metrics'))('telemetry through the InfluxDB client into a real v2 write API', () => {
  it('lands readings with their device tag, values and timestamps', async () => {
    const vm = new VictoriaMetrics(await freePort());
    await vm.start();
    cleanup.push(() => vm.stop());
    const h = await gatewayWithInflux(vm);
    const bracelet = await h.device('b-0001');
    const ts = Date.now() - 10_000;
    await bracelet.telemetry({ ts, hr: 77, spo2: 96, worn: true }, 1);
    const air = await h.device('air-01', 'json');
    await air.telemetry({ ts, pm25: 41.5, no2: 33 }, 1);
    await Promise.all(h.gateway.sinks.map((s) => s.flush()));

    const hr = await waitFor('bracelet_hr in the TSDB', async () => {
      const series = await vm.export('{__name__="bracelet_hr"}');
      return series.length > 0 ? series : undefined;
    });
    expect(hr).toEqual([{ metric: { __name__: 'bracelet_hr', device: 'b-0001' }, values: [77], timestamps: [ts] }]);
    const pm = await vm.export('{__name__="air_pm25"}');
    expect(pm).toEqual([{ metric: { __name__: 'air_pm25', device: 'air-01' }, values: [41.5], timestamps: [ts] }]);
    expect((await vm.export('{__name__="bracelet_worn"}'))[0]?.values).toEqual([1]);
  });

  it('buffers while the server is down and delivers once it is back, without holding up ingestion', async () => {
    const vm = new VictoriaMetrics(await freePort());
    const h = await gatewayWithInflux(vm);
    const bracelet = await h.device('b-0002');
    const base = Date.now() - 60_000;
    for (let i = 0; i < 20; i++) await bracelet.telemetry({ ts: base + i, hr: 60 + i }, 1);
    // Ingestion went on: the embedded store has every reading while the TSDB is unreachable.
    expect((await h.api('GET', '/api/devices/b-0002/readings?from=0')).body.readings).toHaveLength(20);
    await waitFor('a failed write to be counted', async () => counter((await h.api('GET', '/metrics')).body, 'gateway_telemetry_write_errors_total', 'sink="influx"') > 0);

    await vm.start();
    cleanup.push(() => vm.stop());
    const series = await waitFor(
      'the buffered readings to be retried into the TSDB',
      async () => {
        const s = await vm.export('{__name__="bracelet_hr",device="b-0002"}');
        return s[0]?.values.length === 20 ? s : undefined;
      },
      40_000,
    );
    expect(series[0]!.values).toEqual(Array.from({ length: 20 }, (_, i) => 60 + i));
  }, 60_000);

  it('drops the oldest readings first when the bounded buffer is full, and counts them', async () => {
    const port = await freePort();
    // While the server is down its port is held by a socket that resets every connection: another
    // suite running alongside cannot start its own server there and take these writes.
    const holder = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve));
    const vm = new VictoriaMetrics(port);
    // No scheduled retry runs while the buffer fills (it would reorder it); once the server is up
    // the test sends the buffer itself instead of waiting out a backoff grown on a slow run.
    const h = await gatewayWithInflux(vm, { maxBufferLines: 100, batchSize: 20, minRetryDelayMs: 60_000, maxRetryDelayMs: 60_000 });
    const influx = h.gateway.sinks.find((s): s is InfluxTelemetryStore => s instanceof InfluxTelemetryStore)!;
    const base = Date.now() - 120_000;
    for (let i = 0; i < 300; i++) {
      // Straight into the ingest pipeline, in order: the broker's round trips are not what this tests.
      const payload = Buffer.from(JSON.stringify({ ts: base + i * 10, hr: 40 + (i % 100), steps: i }));
      expect(h.gateway.ingest.ingest('b-0001', 'telemetry', payload, Date.now())).toEqual({ action: 'continue' });
      // Let each batch fail before the next one, so the retry buffer fills in order.
      if (i % 20 === 19) await Promise.all(h.gateway.sinks.map((s) => s.flush()));
    }
    const dropped = await waitFor('dropped readings to be counted', async () => {
      const n = counter((await h.api('GET', '/metrics')).body, 'gateway_telemetry_dropped_total', 'sink="influx"');
      return n > 0 ? n : undefined;
    });
    await waitFor('all 300 in the embedded store', async () => (await h.api('GET', '/api/devices/b-0001/readings?from=0&limit=10000')).body.readings.length === 300);

    await new Promise<void>((resolve) => holder.close(() => resolve()));
    await vm.start();
    cleanup.push(() => vm.stop());
    const steps = await waitFor(
      'the kept readings to land',
      async () => {
        await influx.retryNow();
        const s = await vm.export('{__name__="bracelet_steps",device="b-0001"}');
        return s[0] !== undefined && s[0].values.length > 0 && s[0].values.includes(299) ? s[0].values : undefined;
      },
      40_000,
    );
    // A retry that failed while the server came up may have dropped more: count them all.
    const droppedInAll = counter((await h.api('GET', '/metrics')).body, 'gateway_telemetry_dropped_total', 'sink="influx"');
    expect(droppedInAll).toBeGreaterThanOrEqual(dropped);
    // What landed is the newest tail; what went is the oldest head.
    expect(steps.length).toBeLessThanOrEqual(100);
    expect(steps).not.toContain(0);
    expect(Math.min(...steps)).toBeGreaterThan(299 - steps.length - droppedInAll);
  }, 60_000);
});
