import type { ResidentEntity, SharingCategory } from '../registry/schemas.js';
import type { Viewer } from './viewer.js';
import { sharesWith } from './sharing-policy.js';

/** What each bracelet field reveals; fields not named (worn, bat) are the device's own upkeep. */
export const READING_CATEGORY: Readonly<Record<string, SharingCategory>> = {
  hr: 'vitals',
  sbp: 'vitals',
  dbp: 'vitals',
  spo2: 'vitals',
  lat: 'location',
  lon: 'location',
  acc: 'location',
  steps: 'activity',
  motion: 'activity',
};

/** The categories of a resident's readings this viewer may read (routine data: consent only). */
export function readableCategories(resident: ResidentEntity, viewer: Viewer): Set<SharingCategory> {
  const all: SharingCategory[] = ['location', 'vitals', 'activity', 'conditions'];
  if (viewer === 'admin') return new Set(all);
  return new Set(all.filter((c) => sharesWith(resident, c, viewer)));
}

/** A reading's values without the fields of categories the viewer may not read. */
export function shareReadingValues(values: Readonly<Record<string, unknown>>, readable: ReadonlySet<SharingCategory>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(values)) {
    const category = READING_CATEGORY[field];
    if (category === undefined || readable.has(category)) out[field] = value;
  }
  return out;
}
