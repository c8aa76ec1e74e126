/** Checks for state read back from the store as JSON, before an engine trusts it. */

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * Whether stored state has the shape of a fresh one: the same keys, the same primitive types,
 * nested objects alike. Fields that start as null (a pending fall, a run) may hold anything.
 */
export function sameShape(fresh: unknown, stored: unknown): boolean {
  if (fresh === null) return true;
  if (isRecord(fresh)) {
    if (!isRecord(stored)) return false;
    return Object.keys(fresh).every((key) => key in stored && sameShape(fresh[key], stored[key]));
  }
  return typeof fresh === typeof stored;
}
