import { runOutcome } from '../../rules/aed/index.js';
import type { Emergency } from './emergency-store.js';

/** The offset of a zone from UTC at an instant, in ms (what Intl says the wall clock reads there). */
function offsetMs(atMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(atMs);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - Math.floor(atMs / 1000) * 1000;
}

/** Local midnight starting the month `YYYY-MM` and the next one, as epoch ms. */
export function monthBounds(month: string, timeZone: string): { startMs: number; endMs: number } {
  const [year, mon] = month.split('-').map(Number) as [number, number];
  const local = (y: number, m: number) => {
    const guess = Date.UTC(y, m - 1, 1);
    return guess - offsetMs(guess - offsetMs(guess, timeZone), timeZone);
  };
  return { startMs: local(year, mon), endMs: mon === 12 ? local(year + 1, 1) : local(year, mon + 1) };
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface DistrictSummary {
  district: string | null;
  emergencies: number;
  byKind: Record<string, number>;
  /** Emergencies where at least one responder accepted / reached the patient / brought an AED. */
  accepted: number;
  attended: number;
  aedOnScene: number;
  noResponders: number;
  medianTimeToFirstAcceptS: number | null;
  medianTimeToAedOnSceneS: number | null;
  medianTimeToAmbulanceS: number | null;
}

/** Counts and medians per district for one month's emergencies (the programme's reviews). */
export function summariseByDistrict(emergencies: readonly Emergency[]): DistrictSummary[] {
  const groups = new Map<string | null, Emergency[]>();
  for (const e of emergencies) groups.set(e.district, [...(groups.get(e.district) ?? []), e]);
  const out: DistrictSummary[] = [];
  for (const [district, list] of groups) {
    const firstAccept: number[] = [];
    const aedOnScene: number[] = [];
    const ambulance: number[] = [];
    const byKind: Record<string, number> = {};
    let attended = 0;
    let noResponders = 0;
    for (const e of list) {
      byKind[e.kind] = (byKind[e.kind] ?? 0) + 1;
      const outcome = runOutcome(e.dispatch);
      if (outcome.firstAcceptAtMs !== null) firstAccept.push((outcome.firstAcceptAtMs - e.createdAtMs) / 1000);
      if (outcome.aedOnSceneAtMs !== null) aedOnScene.push((outcome.aedOnSceneAtMs - e.createdAtMs) / 1000);
      if (e.ambulanceArrivedAtMs !== null) ambulance.push((e.ambulanceArrivedAtMs - e.createdAtMs) / 1000);
      if (outcome.attended.length > 0) attended += 1;
      if (e.dispatch.noRespondersAtMs !== null) noResponders += 1;
    }
    out.push({
      district,
      emergencies: list.length,
      byKind,
      accepted: firstAccept.length,
      attended,
      aedOnScene: aedOnScene.length,
      noResponders,
      medianTimeToFirstAcceptS: median(firstAccept),
      medianTimeToAedOnSceneS: median(aedOnScene),
      medianTimeToAmbulanceS: median(ambulance),
    });
  }
  return out.sort((a, b) => (a.district ?? '').localeCompare(b.district ?? ''));
}
