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
      (grid.doctors ?? []).forEach((id, i) => add(`doctors/${i}`, 'doctors', id));
      (grid.sanitation ?? []).forEach((id, i) => add(`sanitation/${i}`, 'workers', id));
      // The emergency group mixes workers and responders; checked against both below.
      break;
    }
    case 'workers':
      (entry as EntityByCollection['workers']).grids.forEach((id, i) => add(`grids/${i}`, 'grids', id));
      break;
    case 'residents': {
      const resident = entry as EntityByCollection['residents'];
      add('grid', 'grids', resident.grid);
      add('doctor', 'doctors', resident.doctor);
      break;
    }
    case 'doctors':
      (entry as EntityByCollection['doctors']).grids.forEach((id, i) => add(`grids/${i}`, 'grids', id));
      break;
    case 'devices': {
      const device = entry as EntityByCollection['devices'];
      add('resident', 'residents', device.resident);
      add('aed', 'aeds', device.aed);
      add('station', 'stations', device.station);
      add('grid', 'grids', device.grid);
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

/** A contact id names one person of the resident's family: two contacts may not share it. */
export function contactIdProblem(resident: EntityByCollection['residents']): string | undefined {
  const seen = new Set<string>();
  for (const [i, contact] of resident.contacts.entries()) {
    if (contact.id === undefined) continue;
    if (seen.has(contact.id)) return `contacts/${i}/id: "${contact.id}" is already another contact's id`;
    seen.add(contact.id);
  }
  return undefined;
}

/** A device is bound to exactly the thing its kind measures; a bin stands in a grid, at a place. */
export function deviceBindingProblem(device: EntityByCollection['devices']): string | undefined {
  if (device.kind === 'bin') {
    for (const field of ['resident', 'aed', 'station'] as const) {
      if (device[field] !== undefined) return `${field}: a bin is registered to a grid with a position, not to a ${field}`;
    }
    for (const field of ['grid', 'lat', 'lon'] as const) {
      if (device[field] === undefined) return `${field}: a bin needs its grid, lat and lon`;
    }
    return undefined;
  }
  for (const field of ['grid', 'lat', 'lon', 'name'] as const) {
    if (device[field] !== undefined) return `${field}: only a bin has a grid, a position and a name of its own`;
  }
  const expected = { bracelet: 'resident', aed: 'aed', air: 'station' } as const;
  const want = expected[device.kind];
  for (const field of ['resident', 'aed', 'station'] as const) {
    if (field !== want && device[field] !== undefined) return `${field}: a ${device.kind} device is bound to a ${want}, not a ${field}`;
  }
  return undefined;
}
