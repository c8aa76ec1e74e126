import { POLLUTANTS, type Pollutant } from '../../rules/aqhi/index.js';
import { TELEMETRY_FIELDS } from '../../sensors/index.js';

/**
 * The plausible range of each pollutant, from the same table the validator uses
 * (sensors/kinds.ts), so the engine refuses, with a reason, what could only be a fault.
 */
export const AIR_VALID_RANGE: Readonly<Record<Pollutant, { min: number; max: number }>> = Object.fromEntries(
  POLLUTANTS.map((p) => [p, { min: TELEMETRY_FIELDS.air[p].min, max: TELEMETRY_FIELDS.air[p].max }]),
) as Record<Pollutant, { min: number; max: number }>;
