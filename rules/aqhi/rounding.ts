/**
 * Rounding rules the standards prescribe, each with a guard against binary float noise:
 * 0.1 + 0.2 style errors (~1e-15 relative) must not push a value across an integer
 * boundary, so values are first snapped to 1e-9 (sub-indices) or 1e-6 (scaled concentrations).
 */

function snap(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

/** HJ 633-2012 §6.2 / HJ 633-2026 §4.2.6: sub-indices and the AQI are rounded up. */
export function ceilGuarded(value: number): number {
  return Math.ceil(snap(value, 9));
}

/** Nearest integer, halves up (US TAD 2024 Eq. 1 result; Canada AQHI per Stieb 2008). */
export function roundHalfUp(value: number): number {
  return Math.floor(snap(value, 9) + 0.5);
}

/** US TAD 2024: truncate (never round) the concentration to the table's precision. */
export function truncateTo(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.floor(snap(value * f, 6)) / f;
}

/**
 * GB/T 8170 "四舍六入五成双": below 5 drop, above 5 carry, exactly 5 (nothing after it)
 * carry only when the kept digit is odd. HJ 633-2026 applies it to concentrations.
 */
export function roundHalfEven(value: number, decimals: number): number {
  const f = 10 ** decimals;
  const scaled = snap(value * f, 6);
  const floor = Math.floor(scaled);
  const diff = scaled - floor;
  if (Math.abs(diff - 0.5) < 1e-6) {
    return (floor % 2 === 0 ? floor : floor + 1) / f;
  }
  return Math.round(scaled) / f;
}
