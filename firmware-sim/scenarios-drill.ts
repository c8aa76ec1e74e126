import type { Community } from './community.js';
import { MINUTE_MS } from './local-time.js';
import { CastingError } from './scenario-cast.js';
import type { Scenario, ScenarioCast } from './scenario-types.js';
import { residentOf, type SimProvision } from './sim-provision.js';

/*
 * A half-yearly emergency drill, started the way a grid lead starts one (POST /api/drills): a
 * scripted fall at a resident's home goes through the real rules, pager and channels with every
 * page marked DRILL, is never a real alert, and ends with the drill's report read back and
 * printed: who was paged when, who acknowledged after how long, which channel failed.
 */

/** The gateway's HTTP API as the demo reaches it (as the admin). */
export type ScenarioApi = (method: 'GET' | 'POST', url: string, body?: object) => Promise<{ status: number; body: unknown }>;

const apis = new WeakMap<Community, { api: ScenarioApi; log: (line: string) => void }>();

/** Lets the drill scenario reach the gateway's API for this community, and print what it reads. */
export function attachScenarioApi(community: Community, api: ScenarioApi, log: (line: string) => void): void {
  apis.set(community, { api, log });
}

interface Report {
  id: string;
  state: string;
  grid: { name: string };
  pages: { person: { name: string }; channel: string; outcome: string }[];
  people: { person: { name: string }; ackedAfterS: number | null }[];
  firstAck: { person: { name: string }; afterS: number } | null;
  failedChannels: { person: { name: string }; channel: string }[];
}

/** The report in a few lines a person reads. */
export function describeDrillReport(report: Report): string[] {
  const acked = report.people.filter((p) => p.ackedAfterS !== null).map((p) => `${p.person.name} after ${Math.round(p.ackedAfterS!)} s`);
  return [
    `drill report for ${report.grid.name} (${report.state}): ${report.pages.length} page(s) marked DRILL, ${report.pages.filter((p) => p.outcome === 'delivered').length} delivered`,
    report.firstAck === null ? 'nobody has acknowledged yet' : `first on it: ${report.firstAck.person.name} after ${Math.round(report.firstAck.afterS)} s; acknowledged: ${acked.join(', ')}`,
    report.failedChannels.length === 0 ? 'no channel failed' : `failed: ${report.failedChannels.map((f) => `${f.person.name} by ${f.channel}`).join(', ')}`,
  ];
}

export function drillFall(provision: SimProvision, cast: ScenarioCast): Scenario {
  const device = provision.devices.find((d) => d.id === cast.bracelet);
  const resident = device === undefined ? undefined : residentOf(provision, device);
  if (resident?.home === undefined) throw new CastingError('drill-fall: no resident with a home to stage the drill at');
  const home = resident.home;
  const gridName = (provision.raw.grids as { id: string; name?: string }[] | undefined)?.find((g) => g.id === resident.grid)?.name ?? 'the grid';
  let drillId: string | undefined;
  const prefix = '[drill-fall]';
  const readReport = (c: Community, last: boolean): void => {
    const desk = apis.get(c);
    if (desk === undefined || drillId === undefined) return;
    void desk.api('GET', `/api/drills/${drillId}`).then(
      (res) => {
        if (res.status !== 200) return desk.log(`${prefix} ✗ the drill report answered HTTP ${res.status}`);
        for (const line of describeDrillReport(res.body as Report)) desk.log(`${prefix} ${line}`);
        if (last && (res.body as Report).firstAck === null) desk.log(`${prefix} ✗ nobody acknowledged the drill`);
      },
      (err: unknown) => desk.log(`${prefix} ✗ could not read the drill report: ${String(err)}`),
    );
  };
  return {
    name: 'drill-fall',
    summary: `The emergency drill of ${gridName}: the grid lead stages a fall at ${resident.name}'s home. It runs through the real rules, pager and channels with every page marked DRILL (演练), is never a real alert, and ends with a report of who was paged and who acknowledged after how long.`,
    deviceIds: [],
    subjects: [resident.id],
    durationMs: 20 * MINUTE_MS,
    // A drill never raises a real alert: any alert about the resident now would be wrong.
    expectedAlerts: [],
    steps: [
      {
        atMs: 0,
        say: `the grid lead starts the drill: a staged fall at ${resident.name}'s home`,
        act: (c) => {
          const desk = apis.get(c);
          if (desk === undefined) throw new Error('no way to reach the gateway API: the drill cannot start');
          void desk.api('POST', '/api/drills', { grid: resident.grid, scenario: 'fall', at: { lat: home.lat, lon: home.lon }, resident: resident.id }).then(
            (res) => {
              if (res.status !== 201) return desk.log(`${prefix} ✗ the drill did not start: HTTP ${res.status}`);
              drillId = (res.body as Report).id;
              desk.log(`${prefix} the drill is running; its pages say DRILL`);
            },
            (err: unknown) => desk.log(`${prefix} ✗ the drill did not start: ${String(err)}`),
          );
        },
      },
      { atMs: 10 * MINUTE_MS, say: 'the drill so far', act: (c) => readReport(c, false) },
      { atMs: 19 * MINUTE_MS, say: 'the drill report', act: (c) => readReport(c, true) },
    ],
  };
}
