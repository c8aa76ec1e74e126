import type { AqiProfile, CategoryView, HealthAdvice, IndexCategory } from './types.js';

export function findCategory(profile: AqiProfile, id: string | null): IndexCategory | undefined {
  return id === null ? undefined : profile.categories.find((c) => c.id === id);
}

/** The category whose inclusive band range holds `band`. */
export function categoryForBand(profile: AqiProfile, band: number): IndexCategory | undefined {
  return profile.categories.find((c) => band >= c.fromBand && band <= c.toBand);
}

/** Name, colour and advice of a result's category, looked up from the profile's data. */
export function describeCategory(
  profile: AqiProfile,
  categoryId: string | null,
  band: number | null,
): { category: CategoryView | null; advice: HealthAdvice | null; color: string | null } {
  const c = findCategory(profile, categoryId);
  if (c === undefined) return { category: null, advice: null, color: null };
  const bandColor = band === null ? undefined : profile.bandColors?.[band - 1];
  return { category: { id: c.id, name: c.name, color: c.color }, advice: c.advice, color: bandColor ?? c.color };
}
