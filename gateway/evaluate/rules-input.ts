import type * as Rules from '../../rules/device-messages.js';
import type * as Sensors from '../../sensors/index.js';

/*
 * The evaluate stage hands the engines sensors/' decoded messages as they are; rules/ declares
 * what it reads (rules/device-messages.ts). These lines compile only while every decoded message
 * fits that: a new device kind, event or field type in sensors/ fails the build here, before a
 * rule could misread it.
 */

/** Compiles only when every `Decoded` is a `Read`. */
type Fits<Decoded extends Read, Read> = Decoded;

export type DecodedMessagesFitTheRules = [
  Fits<Sensors.Reading, Rules.Reading>,
  Fits<Sensors.DeviceEvent, Rules.DeviceEvent>,
  Fits<Sensors.StatusUpdate, Rules.StatusUpdate>,
];
