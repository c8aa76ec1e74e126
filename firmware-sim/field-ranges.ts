import { TELEMETRY_FIELDS, type DeviceKind } from '../sensors/index.js';

type NumericField<K extends DeviceKind> = {
  [F in keyof (typeof TELEMETRY_FIELDS)[K]]: (typeof TELEMETRY_FIELDS)[K][F] extends { type: 'number' } ? F : never;
}[keyof (typeof TELEMETRY_FIELDS)[K]];

/** The plausible range the validator enforces (sensors/kinds.ts), read from the same table. */
export function fieldRange<K extends DeviceKind>(kind: K, field: NumericField<K>): { min: number; max: number } {
  const spec = TELEMETRY_FIELDS[kind][field] as { type: 'number'; min: number; max: number };
  return { min: spec.min, max: spec.max };
}

/**
 * A simulated value rounded to the sensor's resolution and kept inside the field's range: a
 * simulator that produced refused values would test the validator, not the gateway.
 */
export function reading<K extends DeviceKind>(kind: K, field: NumericField<K>, value: number, decimals = 0): number {
  const { min, max } = fieldRange(kind, field);
  const factor = 10 ** decimals;
  const rounded = Math.round(value * factor) / factor;
  return Math.min(max, Math.max(min, rounded));
}
