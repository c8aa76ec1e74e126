import { describe, expect, it } from 'vitest';
import {
  AqhiConfigError,
  CANADA_2008,
  CHINA_HJ633_2012,
  CHINA_HJ633_2026,
  findProfile,
  getProfile,
  HK_2013,
  HK_2025_UNVERIFIED,
  listProfiles,
  PROFILE_NAMES,
  resolveProfile,
  US_EPA_2024,
} from '../../../rules/aqhi/index.js';
import type { AqiProfile } from '../../../rules/aqhi/index.js';

const ALL: AqiProfile[] = [HK_2013, HK_2025_UNVERIFIED, CANADA_2008, CHINA_HJ633_2026, CHINA_HJ633_2012, US_EPA_2024];
const GROUPS = ['generalPublic', 'heartOrRespiratory', 'elderly', 'children', 'outdoorWorkers'] as const;
const CJK = /[\u4e00-\u9fff]/;

function bandRange(p: AqiProfile): [number, number] {
  if (p.kind === 'breakpoint') return [1, p.levelUpperLimits.length + 1];
  if (p.scale.kind === 'bands') return [1, p.scale.upperLimitsPct.length + 1];
  return [p.scale.min, p.scale.openAbove + 1];
}

describe('profile registry', () => {
  it('offers every name of the contract', () => {
    expect([...PROFILE_NAMES]).toEqual(['hk', 'canada', 'china-hj633-2026', 'china-hj633-2012', 'us-epa-2024', 'local']);
    for (const name of PROFILE_NAMES.filter((n) => n !== 'local')) expect(getProfile(name).name).toBe(name);
  });

  it('defaults each name to its newest verified version', () => {
    expect(getProfile('hk').version).toBe('2013');
    expect(getProfile('china-hj633-2026').version).toBe('2026');
    expect(findProfile('hk', '2099')).toBeUndefined();
    const summaries = listProfiles();
    expect(summaries.find((s) => s.name === 'hk' && s.version === '2025')).toMatchObject({ status: 'unverified', isDefaultVersion: false });
    expect(summaries.find((s) => s.name === 'hk' && s.version === '2013')?.isDefaultVersion).toBe(true);
  });

  it('names what exists when a profile is unknown', () => {
    expect(() => getProfile('eu')).toThrow(AqhiConfigError);
    expect(() => getProfile('eu')).toThrow(/hk@2013.*hk@2025 \(unverified\)/);
    expect(() => getProfile('local')).toThrow(/configuration/);
    expect(resolveProfile({})).toMatchObject({ ok: true, profile: { name: 'hk', version: '2013' } });
    expect(resolveProfile({ profile: 'hk', version: '1999' }).ok).toBe(false);
  });
});

describe.each(ALL.map((p) => [`${p.name}@${p.version}`, p] as const))('profile data %s', (_id, p) => {
  it('cites at least one source and documents its conventions', () => {
    expect(p.sources.length).toBeGreaterThan(0);
    expect(p.sources.every((s) => s.id.length > 0 && s.citation.length > 0)).toBe(true);
    expect(p.notes.length).toBeGreaterThan(0);
  });

  it('covers every band with exactly one category', () => {
    const [from, to] = bandRange(p);
    for (let band = from; band <= to; band++) {
      expect(p.categories.filter((c) => band >= c.fromBand && band <= c.toBand)).toHaveLength(1);
    }
  });

  it('gives advice for the general public and every group at risk, in Chinese and English', () => {
    for (const c of p.categories) {
      expect(c.color).toMatch(/^#[0-9A-F]{6}$/i);
      expect(c.name.zh).toMatch(CJK);
      for (const g of GROUPS) {
        expect(c.advice[g].en.length, `${c.id}.${g}.en`).toBeGreaterThan(0);
        expect(c.advice[g].zh, `${c.id}.${g}.zh`).toMatch(CJK);
      }
    }
  });

  it('advises more caution as the bands rise', () => {
    // The at-risk advice of the top category differs from the bottom one.
    const first = p.categories[0]!;
    const last = p.categories[p.categories.length - 1]!;
    expect(last.advice.heartOrRespiratory.en).not.toBe(first.advice.heartOrRespiratory.en);
    expect(last.advice.generalPublic.zh).not.toBe(first.advice.generalPublic.zh);
  });

  it('is plain JSON data', () => {
    expect(JSON.parse(JSON.stringify(p))).toEqual(p);
  });
});
