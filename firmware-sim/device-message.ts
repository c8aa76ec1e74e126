import type { AedEvent, AedValues, AirValues, BinEvent, BinValues, BraceletEvent, BraceletValues, DeviceKind } from '../sensors/index.js';

/** What a simulated device decides to send; the runner turns it into an MQTT PUBLISH. */
export type DeviceMessage =
  | { channel: 'telemetry'; body: (BraceletValues | AedValues | AirValues | BinValues) & { ts: number } }
  | { channel: 'events'; body: (BraceletEvent | AedEvent | BinEvent) & { ts: number } }
  | { channel: 'status'; body: { online: boolean; bat?: number; fw?: string; ts: number } };

/**
 * A device's firmware logic without the radio: given the time, what it measures and says. Models
 * are deterministic for a seed, so a run can be replayed and tested without a broker.
 */
export interface DeviceModel {
  readonly deviceId: string;
  readonly kind: DeviceKind;
  /** How often the periodic report is due, in simulated ms. */
  readonly intervalMs: number;
  /** Advances the model to nowMs and returns the periodic report (and anything else now due). */
  sample(nowMs: number): DeviceMessage[];
}

/** One human-readable line about something a device did or heard. */
export type SimLog = (line: string) => void;
