import type { AedEventType, AedValues } from '../sensors/index.js';
import type { DeviceMessage, DeviceModel } from './device-message.js';
import { reading } from './field-ranges.js';
import { DAY_MS, localTime, MINUTE_MS, parseClockTime } from './local-time.js';
import { seededRandom, type SeededRandom } from './seeded-random.js';
import type { SimAed } from './sim-provision.js';

export interface AedCabinetModelOptions {
  deviceId: string;
  /** The AED this cabinet holds, from the provision file (pads expiry, place). */
  aed?: SimAed;
  timeZone: string;
  seed: string;
  startMs: number;
  /** Heartbeat interval in simulated ms; 15 min by default. */
  intervalMs?: number;
  /** Local time of the AED's daily self-test. */
  selfTestAt?: string;
}

/**
 * A connected AED cabinet: a heartbeat with the door, whether the AED is inside, its battery,
 * pad expiry, last self-test and the cabinet's temperature; events when the door opens, the AED
 * is taken out or put back, and when the daily self-test fails.
 */
export class AedCabinetModel implements DeviceModel {
  readonly kind = 'aed' as const;
  readonly deviceId: string;
  readonly intervalMs: number;
  private readonly timeZone: string;
  private readonly rng: SeededRandom;
  private readonly selfTestMin: number;
  private readonly tempBaseC: number;
  private readonly padsExpiry: string;
  private door: 'open' | 'closed' = 'closed';
  private present = true;
  private batteryPct: number;
  private selfTest: 'pass' | 'fail' = 'pass';
  private selfTestDoneOn: string;
  private failNextSelfTest = false;
  private lastMs: number;

  constructor(options: AedCabinetModelOptions) {
    this.deviceId = options.deviceId;
    this.timeZone = options.timeZone;
    this.intervalMs = options.intervalMs ?? 15 * MINUTE_MS;
    this.rng = seededRandom(`${options.seed}/aed/${options.deviceId}`);
    this.selfTestMin = parseClockTime(options.selfTestAt ?? '03:00') + this.rng.int(0, 20);
    this.tempBaseC = this.rng.between(19, 24);
    this.batteryPct = this.rng.between(86, 98);
    // Pads typically last 18 to 30 months; without a date on file, assume a fresh pair.
    this.padsExpiry = options.aed?.padsExpiry ?? new Date(options.startMs + 540 * DAY_MS).toISOString().slice(0, 10);
    this.lastMs = options.startMs;
    const start = localTime(options.startMs, this.timeZone);
    // Today's test already ran if the day is past its time.
    this.selfTestDoneOn = start.minuteOfDay >= this.selfTestMin ? start.date : '';
  }

  private values(nowMs: number): AedValues & { ts: number } {
    const hour = localTime(nowMs, this.timeZone).minuteOfDay / 60;
    const temp = this.tempBaseC + 3 * Math.cos((2 * Math.PI * (hour - 15)) / 24) + this.rng.normal(0, 0.3);
    return {
      ts: nowMs,
      door: this.door,
      present: this.present,
      bat: reading('aed', 'bat', this.batteryPct, 1),
      padsExpiry: this.padsExpiry,
      selfTest: this.selfTest,
      tempC: reading('aed', 'tempC', temp, 1),
    };
  }

  sample(nowMs: number): DeviceMessage[] {
    // A lithium AED battery lasts years: a slow, steady decline.
    this.batteryPct = Math.max(0, this.batteryPct - ((nowMs - this.lastMs) / DAY_MS) * 0.02);
    this.lastMs = nowMs;
    const messages: DeviceMessage[] = [];
    const local = localTime(nowMs, this.timeZone);
    if (local.minuteOfDay >= this.selfTestMin && this.selfTestDoneOn !== local.date) {
      this.selfTestDoneOn = local.date;
      this.selfTest = this.failNextSelfTest || !this.present ? 'fail' : 'pass';
      this.failNextSelfTest = false;
      if (this.selfTest === 'fail') messages.push(this.event('self_test_fail', nowMs));
    }
    messages.push({ channel: 'telemetry', body: this.values(nowMs) });
    return messages;
  }

  private event(type: AedEventType, nowMs: number): DeviceMessage {
    return { channel: 'events', body: { type, ts: nowMs } };
  }

  /** The event and a heartbeat showing the new state, as cabinets report a change at once. */
  private change(type: AedEventType, nowMs: number): DeviceMessage[] {
    return [this.event(type, nowMs), { channel: 'telemetry', body: this.values(nowMs) }];
  }

  openDoor(nowMs: number): DeviceMessage[] {
    this.door = 'open';
    return this.change('door_open', nowMs);
  }

  closeDoor(nowMs: number): DeviceMessage[] {
    this.door = 'closed';
    return this.change('door_closed', nowMs);
  }

  removeAed(nowMs: number): DeviceMessage[] {
    this.present = false;
    return this.change('aed_removed', nowMs);
  }

  returnAed(nowMs: number): DeviceMessage[] {
    this.present = true;
    return this.change('aed_returned', nowMs);
  }

  startMaintenance(nowMs: number): DeviceMessage[] {
    return [this.event('maintenance_start', nowMs)];
  }

  endMaintenance(nowMs: number): DeviceMessage[] {
    return [this.event('maintenance_end', nowMs)];
  }

  /** The next daily self-test fails (a flat battery, a damaged pad). */
  breakSelfTest(): void {
    this.failNextSelfTest = true;
  }

  /** The self-test run now (a guardian presses the test button): what the cabinet reports. */
  selfTestNow(nowMs: number, result: 'pass' | 'fail'): DeviceMessage[] {
    this.selfTest = result;
    this.failNextSelfTest = false;
    const report: DeviceMessage = { channel: 'telemetry', body: this.values(nowMs) };
    return result === 'fail' ? [this.event('self_test_fail', nowMs), report] : [report];
  }

  get doorState(): 'open' | 'closed' {
    return this.door;
  }
}
