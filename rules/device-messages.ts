/**
 * The device messages the rules read, as the rules need them: decoded, validated, in the
 * contract's units. Declared here so rules/ depends on nothing outside itself. The gateway hands
 * over sensors/' decoded messages as they are, and gateway/evaluate/rules-input.ts checks at
 * compile time that they fit these shapes: a device kind, event or field that a rule would
 * misread fails the build there.
 */

export interface BraceletValues {
  /** Heart rate, bpm; a bracelet that finds no pulse sends none. */
  hr?: number;
  /** Blood pressure, mmHg. */
  sbp?: number;
  dbp?: number;
  /** %. */
  spo2?: number;
  steps?: number;
  /** 0 (still) to 1. */
  motion?: number;
  lat?: number;
  lon?: number;
  /** Location accuracy, m. */
  acc?: number;
  worn?: boolean;
  /** Battery, %. */
  bat?: number;
}

export interface AedValues {
  door?: 'open' | 'closed';
  /** Whether the defibrillator is in its cabinet. */
  present?: boolean;
  bat?: number;
  /** A date or date-time. */
  padsExpiry?: string;
  selfTest?: 'pass' | 'fail';
  tempC?: number;
}

/** The pollutants an air station (or a bin's monitor) reports: µg/m³, CO in mg/m³. */
export interface AirValues {
  pm25?: number;
  pm10?: number;
  o3?: number;
  no2?: number;
  so2?: number;
  co?: number;
}

export type BraceletEvent =
  | { type: 'fall'; confidence: number; lat?: number; lon?: number }
  | { type: 'sos'; lat?: number; lon?: number }
  | { type: 'cancel' };

export type AedEventType = 'door_open' | 'door_closed' | 'aed_removed' | 'aed_returned' | 'self_test_fail' | 'maintenance_start' | 'maintenance_end';

interface Envelope {
  deviceId: string;
  /** Device clock, or the receive time when the device sent none. */
  tsMs: number;
  receivedAtMs: number;
}

/** One telemetry message. */
export type Reading =
  | (Envelope & { kind: 'bracelet'; values: BraceletValues })
  | (Envelope & { kind: 'aed'; values: AedValues })
  | (Envelope & { kind: 'air' | 'bin'; values: AirValues });

/** One discrete event (a fall, a door opening); the rules read no bin's. */
export type DeviceEvent =
  | (Envelope & { kind: 'bracelet'; event: BraceletEvent })
  | (Envelope & { kind: 'aed'; event: { type: AedEventType } })
  | (Envelope & { kind: 'bin'; event: { type: string } });

/** A device's own report of its state; its Last Will sets online to false. */
export interface StatusUpdate extends Envelope {
  kind: Reading['kind'];
  online: boolean;
  bat?: number;
}
