import { describe, expect, it } from 'vitest';
import type { AedSite, CabinetSummary } from '../../../rules/aed/index.js';
import { findNearestUsableAeds, readinessByGrid } from '../../../rules/aed/index.js';
import { makeAed, north, shanghai, shanghaiIso } from './fixtures.js';

const CALLER = { lat: 30.2655, lon: 120.1552 };
// Monday 21:00: after weekday hours.
const NOW = shanghai('2025-03-10T21:00:00');
const OFFICE_HOURS = { 'mon-fri': '08:00-20:00' };

function aedAt(id: string, metres: number, over: Partial<AedSite> = {}): AedSite {
  return makeAed({ id, ...north(CALLER, metres), ...over });
}

const AEDS: AedSite[] = [
  aedAt('a-fault', 50),
  aedAt('a-ready-100', 100),
  aedAt('a-closed', 150, { accessHours: OFFICE_HOURS }),
  aedAt('a-pads-expired', 200, { padsExpiry: '2025-03-09' }),
  aedAt('a-ready-250', 250),
  aedAt('a-in-use', 300),
  aedAt('a-ready-350', 350),
  aedAt('a-maintenance', 400),
  aedAt('a-ready-500', 500),
];

const READY: CabinetSummary = { status: 'ready' };
const STATES: Record<string, CabinetSummary> = {
  'a-fault': { status: 'fault' },
  'a-ready-100': READY,
  'a-closed': READY,
  'a-pads-expired': READY,
  'a-ready-250': READY,
  'a-in-use': { status: 'in_use' },
  'a-ready-350': READY,
  'a-maintenance': { status: 'maintenance' },
  'a-ready-500': READY,
};

function query(limit: number, over: { aeds?: AedSite[]; states?: Record<string, CabinetSummary>; nowMs?: number } = {}) {
  return findNearestUsableAeds({
    aeds: over.aeds ?? AEDS,
    states: over.states ?? STATES,
    at: CALLER,
    nowMs: over.nowMs ?? NOW,
    timeZone: 'Asia/Shanghai',
    limit,
  });
}

describe('findNearestUsableAeds', () => {
  it('returns the three nearest usable AEDs, nearest first, in great-circle metres', () => {
    const result = query(3);
    expect(result.distanceMethod).toBe('great-circle');
    expect(result.aeds.map((a) => [a.id, a.distanceM])).toEqual([
      ['a-ready-100', 100],
      ['a-ready-250', 250],
      ['a-ready-350', 350],
    ]);
    expect(result.aeds[0]).toMatchObject({ status: 'ready', closesAtMs: null, floor: 'ground', warnings: [] });
  });

  it('says why every nearer AED was skipped, and leaves out the ones beyond the farthest returned', () => {
    const { skipped } = query(3);
    expect(skipped.map((s) => [s.id, s.distanceM, s.reason])).toEqual([
      ['a-fault', 50, 'fault'],
      ['a-closed', 150, 'closed_now'],
      ['a-pads-expired', 200, 'pads_expired'],
      ['a-in-use', 300, 'in_use'],
    ]);
    expect(skipped.find((s) => s.id === 'a-closed')?.nextOpeningMs).toBe(shanghai('2025-03-11T08:00:00'));
    expect(skipped.find((s) => s.id === 'a-fault')?.nextOpeningMs).toBeNull();
  });

  it('lists every skipped AED when fewer than the limit are usable', () => {
    const result = query(5);
    expect(result.aeds.map((a) => a.id)).toEqual(['a-ready-100', 'a-ready-250', 'a-ready-350', 'a-ready-500']);
    expect(result.skipped.map((s) => s.reason)).toEqual(['fault', 'closed_now', 'pads_expired', 'in_use', 'maintenance']);
  });

  it.each<[string, Partial<AedSite>, CabinetSummary | undefined, string[]]>([
    ['offline', {}, { status: 'offline' }, ['offline']],
    ['a battery dated today still counts', { batteryExpiry: '2025-03-10' }, READY, []],
    ['battery a day past its date', { batteryExpiry: '2025-03-09' }, READY, ['battery_expired']],
    ['pads dated today are still usable', { padsExpiry: '2025-03-10' }, READY, []],
    ["the cabinet's own pads date wins over the registry", { padsExpiry: '2027-01-01' }, { status: 'ready', padsExpiry: '2025-03-01' }, ['pads_expired']],
    ['fault, expired and closed: the fault comes first', { padsExpiry: '2025-01-01', accessHours: OFFICE_HOURS }, { status: 'fault' }, ['fault', 'pads_expired', 'closed_now']],
    ['malformed hours count as closed', { accessHours: { someday: '08:00-20:00' } }, READY, ['closed_now']],
  ])('%s', (_name, over, state, reasons) => {
    const aed = aedAt('a-x', 80, over);
    const result = query(1, { aeds: [aed], states: state === undefined ? {} : { 'a-x': state } });
    if (reasons.length === 0) expect(result.aeds.map((a) => a.id)).toEqual(['a-x']);
    else expect(result.skipped).toMatchObject([{ id: 'a-x', reason: reasons[0], reasons }]);
  });

  it('warns about pads or battery expiring soon, a pending restock and a cabinet without telemetry', () => {
    const aeds = [aedAt('a-soon', 100, { padsExpiry: '2025-04-01', batteryExpiry: '2025-04-09' }), aedAt('a-unmonitored', 120)];
    const states = { 'a-soon': { status: 'ready' as const, restockPending: true } };
    const result = query(2, { aeds, states });
    expect(result.aeds.map((a) => [a.id, a.status, a.warnings])).toEqual([
      ['a-soon', 'ready', ['pads_expiring', 'battery_expiring', 'restock_pending']],
      ['a-unmonitored', 'unknown', ['unmonitored']],
    ]);
    const narrower = findNearestUsableAeds({ aeds, states, at: CALLER, nowMs: NOW, timeZone: 'Asia/Shanghai', limit: 1, expiringWithinDays: 25 });
    expect(narrower.aeds[0]?.warnings).toEqual(['pads_expiring', 'restock_pending']);
  });

  it('opens an office-hours cabinet in the morning and says when it closes', () => {
    const result = query(1, { nowMs: shanghai('2025-03-11T08:00:00') });
    expect(result.aeds[0]?.id).toBe('a-ready-100');
    const morning = query(1, { aeds: [aedAt('a-closed', 150, { accessHours: OFFICE_HOURS })], nowMs: shanghai('2025-03-11T08:00:00') });
    expect(shanghaiIso(morning.aeds[0]?.closesAtMs ?? 0)).toBe('2025-03-11T20:00');
  });

  it('on a weekend, the weekday-only cabinet waits for Monday', () => {
    const result = query(1, { aeds: [aedAt('a-closed', 150, { accessHours: OFFICE_HOURS })], nowMs: shanghai('2025-03-15T10:00:00') });
    expect(result.aeds).toEqual([]);
    expect(shanghaiIso(result.skipped[0]?.nextOpeningMs ?? 0)).toBe('2025-03-17T08:00');
  });

  it('returns nothing for a limit of zero, and breaks distance ties by id', () => {
    expect(query(0).aeds).toEqual([]);
    const twins = [aedAt('b', 100), aedAt('a', 100)];
    expect(query(2, { aeds: twins, states: { a: READY, b: READY } }).aeds.map((a) => a.id)).toEqual(['a', 'b']);
  });
});

describe('readinessByGrid', () => {
  it('counts ready, in-date AEDs per grid, whatever their access hours', () => {
    const aeds = [
      makeAed({ id: 'x1', grid: 'g1', accessHours: OFFICE_HOURS }),
      makeAed({ id: 'x2', grid: 'g1', padsExpiry: '2025-01-01' }),
      makeAed({ id: 'x3', grid: 'g1' }),
      makeAed({ id: 'x4', grid: 'g2' }),
    ];
    const states: Record<string, CabinetSummary> = { x1: READY, x2: READY, x3: { status: 'fault' }, x4: READY };
    expect(readinessByGrid(aeds, states, NOW, 'Asia/Shanghai')).toEqual({
      g1: { ready: 1, total: 3, share: 1 / 3 },
      g2: { ready: 1, total: 1, share: 1 },
    });
  });
});
