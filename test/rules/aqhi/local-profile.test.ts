import { describe, expect, it } from 'vitest';
import {
  AqhiConfigError,
  createLocalProfile,
  evaluateConcentrations,
  resolveProfile,
  validateLocalProfileConfig,
} from '../../../rules/aqhi/index.js';
import type { LocalProfileConfig } from '../../../rules/aqhi/index.js';

const t = (zh: string, en: string) => ({ zh, en });

/** A four-level model; the coefficients are test numbers, not anybody's official ones. */
function config(): LocalProfileConfig {
  return {
    version: 'test-1',
    status: 'unverified',
    source: 'Test model for the validator',
    terms: [
      { pollutant: 'pm25', beta: 0.0007 },
      { pollutant: 'o3', beta: 0.0006 },
      { pollutant: 'no2', beta: 0.0013, unit: 'ppb' },
      { pollutant: 'so2', beta: 0.0022, hours: 1, minValidHours: 1 },
    ],
    scale: { kind: 'bands', upperLimitsPct: [3, 6, 9] },
    categories: [
      { id: 'l1', name: t('一级', 'Level 1'), color: '#00E400', fromBand: 1, toBand: 1, advice: { generalPublic: t('正常', 'Normal'), atRisk: t('正常', 'Normal') } },
      { id: 'l2', name: t('二级', 'Level 2'), color: '#FFFF00', fromBand: 2, toBand: 2, advice: { generalPublic: t('正常', 'Normal'), atRisk: t('减少', 'Reduce') } },
      { id: 'l3', name: t('三级', 'Level 3'), color: '#FF7E00', fromBand: 3, toBand: 3, advice: { generalPublic: t('减少', 'Reduce'), atRisk: t('避免', 'Avoid') } },
      {
        id: 'l4',
        name: t('四级', 'Level 4'),
        color: '#FF0000',
        fromBand: 4,
        toBand: 4,
        advice: { generalPublic: t('避免', 'Avoid'), atRisk: t('留在室内', 'Stay indoors'), outdoorWorkers: t('停工', 'Stop work') },
      },
    ],
  };
}

const ar = (beta: number, c: number): number => (Math.exp(beta * c) - 1) * 100;

describe('local profile from configuration', () => {
  it('builds a risk-sum profile that sums the configured terms', () => {
    const p = createLocalProfile(config());
    expect(p.name).toBe('local');
    expect(p.version).toBe('test-1');
    expect(p.status).toBe('unverified');
    expect(p.terms.find((x) => x.pollutant === 'so2')?.window).toEqual({ hours: 1, minValidHours: 1 });
    expect(p.terms.find((x) => x.pollutant === 'pm25')?.window).toEqual({ hours: 3, minValidHours: 2 });
    const no2Ppb = (40 * 24.45) / 46.0055;
    const r = evaluateConcentrations(p, { pm25: 30, o3: 80, no2: 40, so2: 10 });
    const expected = ar(0.0007, 30) + ar(0.0006, 80) + ar(0.0013, no2Ppb) + ar(0.0022, 10);
    expect(r.addedRiskPct).toBeCloseTo(expected, 9);
    expect(expected).toBeGreaterThan(9);
    expect(r.value).toBe(4);
    expect(r.display).toBe('3+');
    expect(r.categoryId).toBe('l4');
    expect(r.high).toBe(false); // no highBandFrom configured
    expect(evaluateConcentrations(createLocalProfile({ ...config(), highBandFrom: 3 }), { pm25: 30, o3: 80, no2: 40, so2: 10 }).high).toBe(true);
    expect(p.categories.find((c) => c.id === 'l4')?.advice.outdoorWorkers.en).toBe('Stop work');
    expect(p.categories.find((c) => c.id === 'l4')?.advice.elderly.en).toBe('Stay indoors');
  });

  it('is null with a configured pollutant missing', () => {
    const r = evaluateConcentrations(createLocalProfile(config()), { pm25: 30, o3: 80, no2: 40 });
    expect(r.value).toBeNull();
    expect(r.missing.map((m) => m.pollutant)).toEqual(['so2']);
  });

  it('supports a scaled scale like Canada’s', () => {
    const c = { ...config(), scale: { kind: 'scaled' as const, factor: 1, openAbove: 2 }, categories: config().categories.slice(0, 3) };
    const p = createLocalProfile(c);
    expect(evaluateConcentrations(p, { pm25: 1, o3: 1, no2: 1, so2: 1 }).value).toBe(1);
  });

  it.each<[string, (c: Record<string, unknown>) => void, string]>([
    ['an unknown top-level field', (c) => (c.colour = 'red'), 'colour: unknown field'],
    ['no version', (c) => delete c.version, 'version: required'],
    ['a bad status', (c) => (c.status = 'official'), 'status: must be'],
    ['no source', (c) => delete c.source, 'source: required'],
    ['no terms', (c) => (c.terms = []), 'terms: required'],
    ['an unknown pollutant', (c) => ((c.terms as Record<string, unknown>[])[0]!.pollutant = 'pm1'), 'terms[0].pollutant: must be one of'],
    ['a negative beta', (c) => ((c.terms as Record<string, unknown>[])[1]!.beta = -0.1), 'terms[1].beta: must be a positive number'],
    ['a huge beta', (c) => ((c.terms as Record<string, unknown>[])[1]!.beta = 0.5), 'terms[1].beta: 0.5 is implausibly large'],
    ['PM in ppb', (c) => ((c.terms as Record<string, unknown>[])[0]!.unit = 'ppb'), 'terms[0].unit: pm25 cannot be expressed in ppb'],
    ['a duplicate pollutant', (c) => (c.terms as unknown[]).push({ pollutant: 'o3', beta: 0.001 }), 'terms[4].pollutant: o3 is listed twice'],
    ['minValidHours above hours', (c) => ((c.terms as Record<string, unknown>[])[3]!.minValidHours = 2), 'terms[3].minValidHours'],
    ['limits not increasing', (c) => (c.scale = { kind: 'bands', upperLimitsPct: [3, 3, 9] }), 'strictly increasing'],
    ['an unknown scale kind', (c) => (c.scale = { kind: 'linear' }), 'scale.kind: must be'],
    ['a gap in the categories', (c) => (c.categories as unknown[]).splice(2, 1), 'band 3 is covered 0 times'],
    ['overlapping categories', (c) => ((c.categories as Record<string, unknown>[])[1]!.toBand = 3), 'band 3 is covered 2 times'],
    ['a bad colour', (c) => ((c.categories as Record<string, unknown>[])[0]!.color = 'green'), 'categories[0].color: must be #RRGGBB'],
    ['advice without English', (c) => (((c.categories as Record<string, unknown>[])[0]!.advice as Record<string, unknown>).atRisk = { zh: '正常' }), 'categories[0].advice.atRisk.en'],
    ['bandColors of the wrong length', (c) => (c.bandColors = ['#000000']), 'bandColors: needs 4 colours'],
    ['highBandFrom outside the bands', (c) => (c.highBandFrom = 5), 'highBandFrom: must be a band from 1 to 4'],
  ])('refuses %s with a clear message', (_what, mutate, message) => {
    const c = structuredClone(config()) as unknown as Record<string, unknown>;
    mutate(c);
    const r = validateLocalProfileConfig(c);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.join('\n')).toContain(message);
  });

  it('lists every problem at once and throws AqhiConfigError from createLocalProfile', () => {
    const bad = { version: '', status: 'x', terms: [], scale: {}, categories: [] };
    const r = validateLocalProfileConfig(bad);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.length).toBeGreaterThanOrEqual(5);
    expect(() => createLocalProfile(bad as unknown as LocalProfileConfig)).toThrow(AqhiConfigError);
  });

  it('resolves through the deployment selection, prefixing error paths', () => {
    expect(resolveProfile({ profile: 'local', local: config() })).toMatchObject({ ok: true, profile: { name: 'local', version: 'test-1' } });
    const missing = resolveProfile({ profile: 'local' });
    expect(missing.ok).toBe(false);
    const bad = resolveProfile({ profile: 'local', local: { ...config(), terms: [] } });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.errors[0]).toMatch(/^aqhi\.local\.terms/);
  });
});
