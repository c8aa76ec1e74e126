import type { CollectionName, EntityByCollection } from './schemas.js';

export interface Reference {
  field: string;
  collection: CollectionName;
  id: string;
}

/** The ids an entry points at, so a missing one is refused with its field named. */
export function referencesOf<C extends CollectionName>(collection: C, entry: EntityByCollection[C]): Reference[] {
  const refs: Reference[] = [];
  const add = (field: string, target: CollectionName, id: string | undefined): void => {
    if (id !== undefined) refs.push({ field, collection: target, id });
  };
  switch (collection) {
    case 'grids': {
      const grid = entry as EntityByCollection['grids'];
      grid.onDuty.forEach((id, i) => add(`onDuty/${i}`, 'workers', id));
      grid.backup.forEach((id, i) => add(`backup/${i}`, 'workers', id));
      // The emergency group mixes workers and responders; checked against both below.
      break;
    }
    case 'workers':
      (entry as EntityByCollection['workers']).grids.forEach((id, i) => add(`grids/${i}`, 'grids', id));
      break;
    case 'residents':
      add('grid', 'grids', (entry as EntityByCollection['residents']).grid);
      break;
    case 'devices': {
      const device = entry as EntityByCollection['devices'];
      add('resident', 'residents', device.resident);
      add('aed', 'aeds', device.aed);
      add('station', 'stations', device.station);
      break;
    }
    case 'aeds': {
      const aed = entry as EntityByCollection['aeds'];
      add('grid', 'grids', aed.grid);
      add('guardian', 'workers', aed.guardian);
      break;
    }
    case 'stations':
    case 'responders':
      break;
  }
  return refs;
}

/** A device is bound to exactly the thing its kind measures. */
export function deviceBindingProblem(device: EntityByCollection['devices']): string | undefined {
  const expected = { bracelet: 'resident', aed: 'aed', air: 'station' } as const;
  const want = expected[device.kind];
  for (const field of ['resident', 'aed', 'station'] as const) {
    if (field !== want && device[field] !== undefined) return `${field}: a ${device.kind} device is bound to a ${want}, not a ${field}`;
  }
  return undefined;
}
