import type { Segment } from './types.js';

/**
 * Builds contiguous segments from one row of a breakpoint table (HJ 633 style: the upper
 * breakpoint of one segment is the lower breakpoint of the next).
 */
export function segmentsFrom(concentrations: readonly number[], indices: readonly number[]): Segment[] {
  if (concentrations.length !== indices.length || concentrations.length < 2) {
    throw new Error('breakpoint row needs matching concentration and index lists of length ≥ 2');
  }
  const out: Segment[] = [];
  for (let i = 1; i < concentrations.length; i++) {
    out.push({ cLo: concentrations[i - 1]!, cHi: concentrations[i]!, iLo: indices[i - 1]!, iHi: indices[i]! });
  }
  return out;
}
