import { AedCabinetModel } from './aed-cabinet-model.js';
import { AirStationModel } from './air-station-model.js';
import { BinModel, type BinSensorFault } from './bin-model.js';
import { BraceletModel } from './bracelet-model.js';
import { distanceM } from './geo.js';
import type { Encoding, ReconnectBackoff } from './device-client.js';
import type { SimLog } from './device-message.js';
import { DeviceRunner } from './device-runner.js';
import type { SimClock } from './sim-clock.js';
import { residentOf, type SimDevice, type SimProvision } from './sim-provision.js';

export interface CommunityOptions {
  provision: SimProvision;
  url: string;
  clock: SimClock;
  /** The same seed gives the same residents, days and air; default "community". */
  seed?: string;
  /** Only these devices; all of the provision's by default. */
  deviceIds?: readonly string[];
  encoding?: Encoding;
  telemetryQos?: 0 | 1;
  reconnect?: ReconnectBackoff | false;
  log?: SimLog;
  /** Report intervals in simulated ms, per kind. */
  intervals?: { braceletMs?: number; aedMs?: number; airMs?: number; binMs?: number };
  /** How each bin's PM sensor misreads (by device id); others read 1.6× + 5 µg/m³, steady. */
  binFaults?: Readonly<Record<string, BinSensorFault>>;
}

export type AnyDeviceRunner = DeviceRunner<BraceletModel> | DeviceRunner<AedCabinetModel> | DeviceRunner<AirStationModel> | DeviceRunner<BinModel>;

/** A community's devices, connected and reporting on one simulated clock. */
export interface Community {
  readonly bracelets: ReadonlyMap<string, DeviceRunner<BraceletModel>>;
  readonly aeds: ReadonlyMap<string, DeviceRunner<AedCabinetModel>>;
  readonly airStations: ReadonlyMap<string, DeviceRunner<AirStationModel>>;
  readonly bins: ReadonlyMap<string, DeviceRunner<BinModel>>;
  readonly runners: readonly AnyDeviceRunner[];
  readonly provision: SimProvision;
  readonly clock: SimClock;
  bracelet(deviceId: string): DeviceRunner<BraceletModel>;
  aed(deviceId: string): DeviceRunner<AedCabinetModel>;
  airStation(deviceId: string): DeviceRunner<AirStationModel>;
  /** Messages taken by the broker, over all devices. */
  sent(): number;
  published(): number;
  errors(): number;
  drain(): Promise<void>;
  stop(): Promise<void>;
}

const FIRMWARE = { bracelet: '3.2.1', aed: '2.4.0', air: '1.8.3', bin: '0.9.4' } as const;

/** The air device of the station nearest a bin: the bin's air model is seeded like it, so both breathe the same air. */
function nearestStationDevice(provision: SimProvision, at: { lat: number; lon: number }): string | undefined {
  let best: { id: string; m: number } | undefined;
  for (const station of provision.stations) {
    const device = provision.devices.find((d) => d.kind === 'air' && d.station === station.id);
    if (device === undefined) continue;
    const m = distanceM(at, station);
    if (best === undefined || m < best.m) best = { id: device.id, m };
  }
  return best?.id;
}

function runnerFor(device: SimDevice, options: CommunityOptions, seed: string): AnyDeviceRunner {
  const { provision, clock } = options;
  const common = { deviceId: device.id, timeZone: provision.timeZone, seed, startMs: clock.now() };
  const runnerOptions = {
    secret: device.secret,
    url: options.url,
    clock,
    fw: FIRMWARE[device.kind],
    ...(options.encoding === undefined ? {} : { encoding: options.encoding }),
    ...(options.telemetryQos === undefined ? {} : { telemetryQos: options.telemetryQos }),
    ...(options.reconnect === undefined ? {} : { reconnect: options.reconnect }),
    ...(options.log === undefined ? {} : { log: options.log }),
  };
  switch (device.kind) {
    case 'bracelet': {
      // A bracelet not yet given to anyone still runs its day, with no home to report.
      const resident = residentOf(provision, device) ?? { id: device.id, name: device.id, grid: '', conditions: [] };
      const model = new BraceletModel({ ...common, resident, ...(options.intervals?.braceletMs === undefined ? {} : { intervalMs: options.intervals.braceletMs }) });
      return new DeviceRunner({ ...runnerOptions, model, onCommand: (command, m) => m.hearCommand(command) });
    }
    case 'aed': {
      const aed = provision.aeds.find((a) => a.id === device.aed);
      const model = new AedCabinetModel({ ...common, ...(aed === undefined ? {} : { aed }), ...(options.intervals?.aedMs === undefined ? {} : { intervalMs: options.intervals.aedMs }) });
      return new DeviceRunner({ ...runnerOptions, model });
    }
    case 'air': {
      const model = new AirStationModel({ ...common, ...(options.intervals?.airMs === undefined ? {} : { intervalMs: options.intervals.airMs }) });
      return new DeviceRunner({ ...runnerOptions, model });
    }
    case 'bin': {
      const at = device.lat === undefined || device.lon === undefined ? undefined : { lat: device.lat, lon: device.lon };
      const airId = at === undefined ? undefined : nearestStationDevice(provision, at);
      // Its own copy of the station's model: reading it must not change what the station reports.
      const air = new AirStationModel({ ...common, deviceId: airId ?? device.id });
      const fault = options.binFaults?.[device.id];
      const model = new BinModel({ ...common, air, ...(fault === undefined ? {} : { fault }), ...(options.intervals?.binMs === undefined ? {} : { intervalMs: options.intervals.binMs }) });
      return new DeviceRunner({ ...runnerOptions, model });
    }
  }
}

export async function startCommunity(options: CommunityOptions): Promise<Community> {
  const seed = options.seed ?? 'community';
  const wanted = options.deviceIds === undefined ? undefined : new Set(options.deviceIds);
  const devices = options.provision.devices.filter((d) => wanted === undefined || wanted.has(d.id));
  const bracelets = new Map<string, DeviceRunner<BraceletModel>>();
  const aeds = new Map<string, DeviceRunner<AedCabinetModel>>();
  const airStations = new Map<string, DeviceRunner<AirStationModel>>();
  const bins = new Map<string, DeviceRunner<BinModel>>();
  const runners: AnyDeviceRunner[] = [];

  for (const device of devices) {
    const runner = runnerFor(device, options, seed);
    runners.push(runner);
    if (runner.model instanceof BraceletModel) bracelets.set(device.id, runner as DeviceRunner<BraceletModel>);
    else if (runner.model instanceof AedCabinetModel) aeds.set(device.id, runner as DeviceRunner<AedCabinetModel>);
    else if (runner.model instanceof BinModel) bins.set(device.id, runner as DeviceRunner<BinModel>);
    else airStations.set(device.id, runner as DeviceRunner<AirStationModel>);
  }

  const started = await Promise.allSettled(runners.map((r) => r.start()));
  const failed = started.flatMap((s, i) => (s.status === 'rejected' ? [`${runners[i]!.id}: ${String(s.reason instanceof Error ? s.reason.message : s.reason)}`] : []));
  if (failed.length > 0) {
    await Promise.allSettled(runners.map((r) => r.stop()));
    throw new Error(`devices could not connect: ${failed.join('; ')}`);
  }

  const find = <T>(map: ReadonlyMap<string, T>, id: string, what: string): T => {
    const runner = map.get(id);
    if (runner === undefined) throw new Error(`no ${what} "${id}" in this community`);
    return runner;
  };
  return {
    bracelets,
    aeds,
    airStations,
    bins,
    runners,
    provision: options.provision,
    clock: options.clock,
    bracelet: (id) => find(bracelets, id, 'bracelet'),
    aed: (id) => find(aeds, id, 'AED cabinet'),
    airStation: (id) => find(airStations, id, 'air station'),
    sent: () => runners.reduce((n, r) => n + r.sent, 0),
    published: () => runners.reduce((n, r) => n + r.published, 0),
    errors: () => runners.reduce((n, r) => n + r.errors, 0),
    drain: async () => void (await Promise.all(runners.map((r) => r.drain()))),
    stop: async () => void (await Promise.allSettled(runners.map((r) => r.stop()))),
  };
}

/**
 * Air stations upload the readings they stored before the simulation began, as a station does
 * after an outage, so the index has its averaging window from the first minute.
 */
export function backfillAirStations(community: Community, hours: number): number {
  const nowMs = community.clock.now();
  let sent = 0;
  for (const runner of community.airStations.values()) {
    const step = runner.model.intervalMs;
    for (let t = nowMs - hours * 3_600_000; t < nowMs; t += step) {
      const messages = runner.model.sample(t);
      runner.send(messages);
      sent += messages.length;
    }
  }
  return sent;
}
