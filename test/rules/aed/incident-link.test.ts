import { describe, expect, it } from 'vitest';
import type { BraceletIncident } from '../../../rules/aed/index.js';
import { findLinkedIncident, linkIncidents } from '../../../rules/aed/index.js';
import { CABINET, MINUTE_MS, north, shanghai } from './fixtures.js';

const OPENED_AT = shanghai('2025-03-10T10:00:00');
const OPENED = { atMs: OPENED_AT, ...CABINET };

function fall(metres: number, offsetMs: number): BraceletIncident {
  return { kind: 'fall', atMs: OPENED_AT + offsetMs, ...north(CABINET, metres) };
}

describe('linkIncidents: a fall or SOS and an opened cabinet', () => {
  it.each<[string, BraceletIncident, string]>([
    ['150 m and 5 minutes before', fall(150, -5 * MINUTE_MS), 'linked'],
    ['exactly 200 m', fall(200, 0), 'linked'],
    ['201 m', fall(201, 0), 'too_far'],
    ['exactly 10 minutes after', fall(50, 10 * MINUTE_MS), 'linked'],
    ['10 minutes and a second after', fall(50, 10 * MINUTE_MS + 1000), 'too_far_apart_in_time'],
    ['the cabinet opened first, the SOS came 8 minutes later', { kind: 'sos', atMs: OPENED_AT + 8 * MINUTE_MS, ...north(CABINET, 20) }, 'linked'],
    ['an SOS without a location', { kind: 'sos', atMs: OPENED_AT }, 'no_location'],
    ['a kilometre away an hour later', fall(1000, 60 * MINUTE_MS), 'too_far_apart_in_time'],
  ])('%s', (_name, bracelet, expected) => {
    const link = linkIncidents(bracelet, OPENED);
    expect(link.linked ? 'linked' : link.reason).toBe(expected);
  });

  it('reports the distance and the time apart', () => {
    expect(linkIncidents(fall(120, -90_000), OPENED)).toEqual({ linked: true, distanceM: 120, apartS: 90 });
  });

  it('takes its limits from configuration', () => {
    expect(linkIncidents(fall(300, 0), OPENED, { withinM: 400 }).linked).toBe(true);
    expect(linkIncidents(fall(50, 3 * MINUTE_MS), OPENED, { withinS: 120 }).linked).toBe(false);
  });

  it('picks the nearest linked cabinet among several open incidents', () => {
    const incidents = [
      { id: 'far', atMs: OPENED_AT, ...north(CABINET, 180) },
      { id: 'near', atMs: OPENED_AT, ...north(CABINET, -30) },
      { id: 'stale', atMs: OPENED_AT - 30 * MINUTE_MS, ...CABINET },
    ];
    expect(findLinkedIncident(fall(0, MINUTE_MS), incidents)?.incident.id).toBe('near');
    expect(findLinkedIncident(fall(0, 20 * MINUTE_MS), incidents)).toBeUndefined();
  });
});
