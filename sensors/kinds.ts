/**
 * The device vocabulary: what each kind of device may say, with units and plausible ranges.
 * The validator and the firmware simulator both read these tables, so they cannot drift apart.
 */

export const DEVICE_KINDS = ['bracelet', 'aed', 'air', 'bin'] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];

export type FieldSpec =
  | { type: 'number'; unit: string; min: number; max: number; integer?: boolean }
  | { type: 'boolean'; unit?: undefined }
  | { type: 'enum'; values: readonly string[]; unit?: undefined }
  | { type: 'date'; unit?: undefined };

/**
 * Ranges are physical or device limits, not clinical thresholds: a value outside them is a
 * sensor fault or a forged payload, and is refused rather than alerted on.
 */
export const TELEMETRY_FIELDS = {
  bracelet: {
    hr: { type: 'number', unit: 'bpm', min: 20, max: 250 },
    sbp: { type: 'number', unit: 'mmHg', min: 50, max: 300 },
    dbp: { type: 'number', unit: 'mmHg', min: 20, max: 200 },
    spo2: { type: 'number', unit: '%', min: 50, max: 100 },
    steps: { type: 'number', unit: 'count', min: 0, max: 200_000, integer: true },
    motion: { type: 'number', unit: 'ratio', min: 0, max: 1 },
    lat: { type: 'number', unit: 'deg', min: -90, max: 90 },
    lon: { type: 'number', unit: 'deg', min: -180, max: 180 },
    acc: { type: 'number', unit: 'm', min: 0, max: 100_000 },
    worn: { type: 'boolean' },
    bat: { type: 'number', unit: '%', min: 0, max: 100 },
  },
  aed: {
    door: { type: 'enum', values: ['open', 'closed'] },
    present: { type: 'boolean' },
    bat: { type: 'number', unit: '%', min: 0, max: 100 },
    padsExpiry: { type: 'date' },
    selfTest: { type: 'enum', values: ['pass', 'fail'] },
    tempC: { type: 'number', unit: 'degC', min: -60, max: 100 },
  },
  air: {
    pm25: { type: 'number', unit: 'ug/m3', min: 0, max: 5_000 },
    pm10: { type: 'number', unit: 'ug/m3', min: 0, max: 10_000 },
    o3: { type: 'number', unit: 'ug/m3', min: 0, max: 5_000 },
    no2: { type: 'number', unit: 'ug/m3', min: 0, max: 5_000 },
    so2: { type: 'number', unit: 'ug/m3', min: 0, max: 10_000 },
    co: { type: 'number', unit: 'mg/m3', min: 0, max: 1_000 },
    tempC: { type: 'number', unit: 'degC', min: -60, max: 70 },
    rh: { type: 'number', unit: '%', min: 0, max: 100 },
  },
  /** A smart rubbish bin: its fill level, and whichever air fields its monitor has (CONTRACT.md §6). */
  bin: {
    fill: { type: 'number', unit: '%', min: 0, max: 100 },
    pm25: { type: 'number', unit: 'ug/m3', min: 0, max: 5_000 },
    pm10: { type: 'number', unit: 'ug/m3', min: 0, max: 10_000 },
    o3: { type: 'number', unit: 'ug/m3', min: 0, max: 5_000 },
    no2: { type: 'number', unit: 'ug/m3', min: 0, max: 5_000 },
    so2: { type: 'number', unit: 'ug/m3', min: 0, max: 10_000 },
    co: { type: 'number', unit: 'mg/m3', min: 0, max: 1_000 },
    tempC: { type: 'number', unit: 'degC', min: -60, max: 70 },
    rh: { type: 'number', unit: '%', min: 0, max: 100 },
  },
} as const satisfies Record<DeviceKind, Record<string, FieldSpec>>;

export interface BraceletValues {
  hr?: number;
  sbp?: number;
  dbp?: number;
  spo2?: number;
  steps?: number;
  motion?: number;
  lat?: number;
  lon?: number;
  acc?: number;
  worn?: boolean;
  bat?: number;
}

export interface AedValues {
  door?: 'open' | 'closed';
  present?: boolean;
  bat?: number;
  padsExpiry?: string;
  selfTest?: 'pass' | 'fail';
  tempC?: number;
}

export interface AirValues {
  pm25?: number;
  pm10?: number;
  o3?: number;
  no2?: number;
  so2?: number;
  co?: number;
  tempC?: number;
  rh?: number;
}

export interface BinValues extends AirValues {
  /** How full the bin is, %. */
  fill?: number;
}

export interface ValuesByKind {
  bracelet: BraceletValues;
  aed: AedValues;
  air: AirValues;
  bin: BinValues;
}

export const BRACELET_EVENT_TYPES = ['fall', 'sos', 'cancel'] as const;
export const AED_EVENT_TYPES = [
  'door_open',
  'door_closed',
  'aed_removed',
  'aed_returned',
  'self_test_fail',
  'maintenance_start',
  'maintenance_end',
] as const;

export const BIN_EVENT_TYPES = ['lid_open', 'lid_closed', 'fire'] as const;

export type BraceletEvent =
  | { type: 'fall'; confidence: number; lat?: number; lon?: number }
  | { type: 'sos'; lat?: number; lon?: number }
  | { type: 'cancel' };
export type AedEventType = (typeof AED_EVENT_TYPES)[number];
export interface AedEvent {
  type: AedEventType;
}

export type BinEventType = (typeof BIN_EVENT_TYPES)[number];
export interface BinEvent {
  type: BinEventType;
}

export interface EventsByKind {
  bracelet: BraceletEvent;
  aed: AedEvent;
  air: never;
  bin: BinEvent;
}

export function isDeviceKind(value: unknown): value is DeviceKind {
  return typeof value === 'string' && (DEVICE_KINDS as readonly string[]).includes(value);
}
