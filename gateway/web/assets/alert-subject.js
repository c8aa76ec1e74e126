// @ts-check
import { label, t } from './i18n.js';

/** @typedef {import('./types.js').AlertView} AlertView */
/** @typedef {import('./types.js').AlertContext} AlertContext */
/** @typedef {import('./types.js').MapBody} MapBody */

/*
 * Who or what an alert is about, in words a person reads: the resident's name, the cabinet's place,
 * the station's name. Never the registry id: "a3" means nothing on a phone at 3 a.m.
 */

/**
 * The places the console can name, from GET /api/map (cabinets, stations, grids).
 * @typedef {object} Places
 * @property {Map<string, import('./types.js').MapAed>} aeds
 * @property {Map<string, import('./types.js').MapStation>} stations
 * @property {Map<string, string>} grids
 * @property {Map<string, import('./types.js').MapSensor>} sensors neighbourhood sensors (bins), by id
 */

/** @returns {Places} */
export function noPlaces() {
  return { aeds: new Map(), stations: new Map(), grids: new Map(), sensors: new Map() };
}

/** @param {MapBody} body @returns {Places} */
export function placesFrom(body) {
  return {
    aeds: new Map(body.aeds.map((a) => [a.id, a])),
    stations: new Map(body.stations.map((s) => [s.id, s])),
    grids: new Map(body.grids.map((g) => [g.id, g.name])),
    sensors: new Map((body.sensors ?? []).map((s) => [s.id, s])),
  };
}

/**
 * A cabinet in words: its description, else the grid it stands in.
 * @param {import('./types.js').MapAed | import('./types.js').NearbyAed} aed
 * @param {Places} places
 */
export function cabinetName(aed, places) {
  if (aed.description !== null && aed.description !== '') return aed.description;
  const grid = 'grid' in aed && aed.grid !== null ? places.grids.get(aed.grid) : undefined;
  return grid === undefined ? label('subject', 'aed') : t('place.aedInGrid', { grid });
}

/**
 * @typedef {object} Subject
 * @property {'resident' | 'aed' | 'station' | 'bin' | 'unknown'} type
 * @property {string} heading the fact's term: "Resident", "AED cabinet", "Air station"
 * @property {string} name what a person calls it
 * @property {string | null} place an address or a place description
 */

/**
 * @param {AlertView} alert
 * @param {AlertContext | null | undefined} context
 * @param {Places} places
 * @returns {Subject}
 */
export function subjectOf(alert, context, places) {
  const resident = context?.resident ?? null;
  if (resident !== null) return { type: 'resident', heading: t('subject.resident'), name: resident.name, place: resident.address };
  const aed = places.aeds.get(alert.subject);
  if (aed !== undefined) {
    const floor = aed.floor === null ? '' : ` · ${t('aed.floor', { floor: aed.floor })}`;
    const grid = aed.grid === null ? undefined : places.grids.get(aed.grid);
    return { type: 'aed', heading: t('subject.aed'), name: cabinetName(aed, places) + floor, place: grid ?? null };
  }
  const station = places.stations.get(alert.subject);
  if (station !== undefined) return { type: 'station', heading: t('subject.station'), name: t('place.station', { name: station.name }), place: null };
  const bin = context?.bin ?? null;
  if (bin !== null) return { type: 'bin', heading: t('subject.bin'), name: binName(bin, places), place: bin.gridName };
  // Known to the gateway but not to this page (yet): say what kind of thing, never the id.
  const grid = places.grids.get(alert.grid);
  return { type: 'unknown', heading: t('subject.device'), name: t('subject.unknown'), place: grid ?? null };
}

/**
 * A bin by its own name; one without is named by its grid in the reader's language (the alert's
 * context carries the gateway's English stand-in, "a bin in …", which a zh page must not show).
 * @param {{ id: string, name: string, gridName: string | null }} bin
 * @param {Places} places
 */
function binName(bin, places) {
  const sensor = places.sensors.get(bin.id);
  const ownName = sensor === undefined ? (bin.name === `a bin in ${bin.gridName ?? 'the grid'}` ? null : bin.name) : sensor.name;
  if (ownName !== null) return ownName;
  const grid = bin.gridName ?? sensor?.grid ?? null;
  return grid === null ? t('subject.binNoGrid') : t('subject.binIn', { grid });
}

/**
 * Where the alert happened, as a line: the bracelet's position, or the cabinet or station itself.
 * @param {Subject} subject
 * @param {string} source the context location's source
 */
export function whereLabel(subject, source) {
  if (subject.type === 'aed') return t('place.cabinetWhere');
  if (subject.type === 'station') return t('place.stationWhere');
  if (subject.type === 'bin') return t('place.binWhere');
  return label('where', source);
}
