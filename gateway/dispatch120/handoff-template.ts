import type { Dispatch120Endpoint } from '../registry/schemas.js';

/** What a handoff body template may name, each as `{{name}}`. */
export const HANDOFF_FIELDS = [
  'alertId',
  'kind',
  'severity',
  'createdAt',
  'residentName',
  'address',
  'accessNotes',
  'lat',
  'lon',
  'conditions',
  'aeds',
  'onTheWay',
  'text',
] as const;
export type HandoffField = (typeof HANDOFF_FIELDS)[number];
export type HandoffValues = Record<HandoffField, string>;
/** Inserted as they are (numbers, or `null`): the template writes them without quotes. */
const RAW: ReadonlySet<HandoffField> = new Set(['lat', 'lon']);

const SAMPLE: HandoffValues = {
  alertId: 'a-1',
  kind: 'fall',
  severity: 'critical',
  createdAt: '2026-01-01T00:00:00.000Z',
  residentName: 'Li "Guiying"',
  address: 'Building 3, Room 401',
  accessNotes: 'key with the neighbour',
  lat: '30.2655',
  lon: '120.1552',
  conditions: 'copd',
  aeds: 'Community health station, 60 m',
  onTheWay: 'Wang Fang',
  text: 'sample',
};

export function renderHandoff(endpoint: Pick<Dispatch120Endpoint, 'bodyTemplate' | 'contentType'>, values: HandoffValues): string {
  const json = (endpoint.contentType ?? 'application/json') === 'application/json';
  return endpoint.bodyTemplate.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => {
    if (!(HANDOFF_FIELDS as readonly string[]).includes(name)) return whole;
    const value = values[name as HandoffField];
    if (RAW.has(name as HandoffField)) return value;
    return json ? JSON.stringify(value).slice(1, -1) : encodeURIComponent(value);
  });
}

/** Problems that would make every handoff fail: unknown `{{names}}`, a JSON template that is not JSON once filled. */
export function templateProblems(endpoint: Pick<Dispatch120Endpoint, 'bodyTemplate' | 'contentType'>): string[] {
  const problems: string[] = [];
  const unknown = [...endpoint.bodyTemplate.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]!).filter((n) => !(HANDOFF_FIELDS as readonly string[]).includes(n));
  if (unknown.length > 0) problems.push(`dispatch120.bodyTemplate: unknown placeholder(s) ${[...new Set(unknown)].map((n) => `{{${n}}}`).join(', ')}; known: ${HANDOFF_FIELDS.join(', ')}`);
  if ((endpoint.contentType ?? 'application/json') === 'application/json') {
    for (const sample of [SAMPLE, { ...SAMPLE, lat: 'null', lon: 'null' }]) {
      try {
        JSON.parse(renderHandoff(endpoint, sample));
      } catch (err) {
        problems.push(`dispatch120.bodyTemplate: not JSON once filled in (${(err as Error).message})`);
        break;
      }
    }
  }
  return problems;
}
