import type { ResidentEntity, SharingCategory } from '../registry/schemas.js';
import { readableCategories } from './reading-sharing.js';
import type { Viewer } from './viewer.js';

/**
 * A resident's registry entry as this viewer may read it: the home and safe zone only with
 * location shared, conditions only with conditions shared, personal vitals thresholds only with
 * vitals shared. Name, grid, address, access notes, doctor, contacts and the choices themselves
 * stay: they are what anyone caring for the resident needs. Returns the categories disclosed.
 */
export function shareResident(resident: ResidentEntity, viewer: Viewer): { resident: Partial<ResidentEntity> & Pick<ResidentEntity, 'id' | 'name'>; disclosed: SharingCategory[] } {
  const readable = readableCategories(resident, viewer);
  const { home, safeZone, conditions, thresholds, ...rest } = resident;
  const shaped: Partial<ResidentEntity> & Pick<ResidentEntity, 'id' | 'name'> = { ...rest, conditions: readable.has('conditions') ? conditions : [] };
  if (readable.has('location')) {
    if (home !== undefined) shaped.home = home;
    if (safeZone !== undefined) shaped.safeZone = safeZone;
  }
  if (readable.has('vitals') && thresholds !== undefined) shaped.thresholds = thresholds;
  const disclosed = (['location', 'vitals', 'conditions'] as const).filter((c) => readable.has(c));
  return { resident: shaped, disclosed };
}
