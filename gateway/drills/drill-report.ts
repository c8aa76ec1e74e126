import type { Alert, EscalationSteps, TimelineEntry } from '../../rules/safety/index.js';
import type { Drill, DrillScenario } from './drill-store.js';

/** A person as a report names them: never an id alone. */
export interface Named {
  id: string;
  name: string;
}

export interface PageLine {
  person: Named;
  channel: string;
  /** The escalation step, or null for a responder's dispatch page. */
  step: number | null;
  pagedAt: string;
  pagedAfterS: number;
  outcome: 'delivered' | 'failed' | 'pending';
  attempts: number;
  error: string | null;
}

export interface PersonLine {
  person: Named;
  firstPagedAfterS: number | null;
  deliveredBy: string | null;
  ackedAfterS: number | null;
  /** From this person's first page to their ack. */
  ackedAfterPageS: number | null;
  /** Acked within the wait of the step that paged them (the grid's target); null if never paged or no wait. */
  withinTarget: boolean | null;
}

export interface DrillReport {
  id: string;
  grid: Named;
  scenario: DrillScenario;
  at: { lat: number; lon: number };
  resident: Named | null;
  aed: (Named & { description: string | null }) | null;
  startedBy: Named;
  startedAt: string;
  endedAt: string | null;
  state: 'running' | 'ended';
  endReason: Drill['endReason'];
  alertId: string | null;
  pages: PageLine[];
  people: PersonLine[];
  firstAck: { person: Named; afterS: number } | null;
  responders: { person: Named; distanceM: number; answer: string; askedAfterS: number; answeredAfterS: number | null }[];
  /** Responders who accepted and went for the cabinet, in order. */
  reachedAed: { person: Named; acceptedAfterS: number }[];
  failedChannels: { person: Named; channel: string; attempts: number; error: string }[];
  targets: { firstAckWithinS: number | null; stepWaitsS: number[] };
  met: { firstAck: boolean | null };
  previous: { id: string; startedAt: string; firstAckAfterS: number | null; pagesDelivered: number; pagesFailed: number } | null;
  /** Positive: slower than the previous drill. */
  comparison: { firstAckChangeS: number | null } | null;
}

export interface ReportInput {
  drill: Drill;
  alert: Alert | undefined;
  acks: readonly { person: string; atMs: number }[];
  steps: EscalationSteps;
  name: (kind: 'person' | 'grid' | 'resident' | 'aed', id: string) => string;
  aedDescription: (id: string) => string | null;
  previous: DrillReport | null;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const seconds = (ms: number): number => Math.round(ms / 100) / 10;

type Paged = Extract<TimelineEntry, { type: 'paged' }>;

/** Each page on the timeline with what became of it: delivered, or failed after n attempts. */
function pageLines(timeline: readonly TimelineEntry[], startMs: number, named: (id: string) => Named): PageLine[] {
  const lines: { entry: Paged; line: PageLine }[] = [];
  const open = new Map<string, PageLine>();
  for (const entry of timeline) {
    const key = 'to' in entry && 'channel' in entry ? `${entry.to}|${entry.channel}` : '';
    if (entry.type === 'paged') {
      const line: PageLine = {
        person: named(entry.to),
        channel: entry.channel,
        step: entry.step,
        pagedAt: iso(entry.atMs),
        pagedAfterS: seconds(entry.atMs - startMs),
        outcome: 'pending',
        attempts: 0,
        error: null,
      };
      lines.push({ entry, line });
      open.set(key, line);
    } else if (entry.type === 'delivered' || entry.type === 'failed') {
      const line = open.get(key);
      if (line === undefined) continue;
      line.attempts += 1;
      if (entry.type === 'delivered') {
        line.outcome = 'delivered';
        open.delete(key);
      } else {
        line.outcome = 'failed';
        line.error = entry.error;
      }
    }
  }
  return lines.map((l) => l.line);
}

/** The drill's report: who was paged when by which channel, who acked after how long, against the grid's waits. */
export function buildDrillReport(input: ReportInput): DrillReport {
  const { drill, alert, steps } = input;
  const start = drill.startedAtMs;
  const named = (id: string): Named => ({ id, name: input.name('person', id) });
  const timeline = alert?.timeline ?? [];
  const pages = pageLines(timeline, start, named);
  const stepWaitsS = steps.flatMap((s) => (s.waitS === undefined ? [] : [s.waitS]));
  const firstAckWithinS = steps[0]?.waitS ?? null;

  const ids: string[] = [];
  for (const p of pages) if (!ids.includes(p.person.id)) ids.push(p.person.id);
  for (const a of input.acks) if (!ids.includes(a.person)) ids.push(a.person);
  const people: PersonLine[] = ids.map((id) => {
    const own = pages.filter((p) => p.person.id === id);
    const first = own[0];
    const ack = input.acks.find((a) => a.person === id);
    const ackedAfterS = ack === undefined ? null : seconds(ack.atMs - start);
    const ackedAfterPageS = ack === undefined || first === undefined ? null : Math.max(0, seconds(ack.atMs - start) - first.pagedAfterS);
    const waitS = first?.step === null || first === undefined ? undefined : steps[first.step]?.waitS;
    return {
      person: named(id),
      firstPagedAfterS: first?.pagedAfterS ?? null,
      deliveredBy: own.find((p) => p.outcome === 'delivered')?.channel ?? null,
      ackedAfterS,
      ackedAfterPageS,
      withinTarget: ackedAfterPageS === null || waitS === undefined ? null : ackedAfterPageS <= waitS,
    };
  });
  const firstAckEntry = input.acks[0];
  const firstAck = firstAckEntry === undefined ? null : { person: named(firstAckEntry.person), afterS: seconds(firstAckEntry.atMs - start) };

  const asks = drill.dispatch?.asks ?? [];
  const responders = asks.map((a) => ({
    person: named(a.responderId),
    distanceM: a.distanceM,
    answer: a.answer,
    askedAfterS: seconds(a.pagedAtMs - start),
    answeredAfterS: a.answeredAtMs === null ? null : seconds(a.answeredAtMs - start),
  }));
  const reachedAed = asks
    .filter((a) => a.answer === 'accepted' && a.answeredAtMs !== null)
    .map((a) => ({ person: named(a.responderId), acceptedAfterS: seconds(a.answeredAtMs! - start) }));

  const previous = input.previous;
  return {
    id: drill.id,
    grid: { id: drill.grid, name: input.name('grid', drill.grid) },
    scenario: drill.scenario,
    at: drill.at,
    resident: drill.resident === null ? null : { id: drill.resident, name: input.name('resident', drill.resident) },
    aed: drill.aed === null ? null : { id: drill.aed, name: input.name('aed', drill.aed), description: input.aedDescription(drill.aed) },
    startedBy: named(drill.startedBy),
    startedAt: iso(start),
    endedAt: drill.endedAtMs === null ? null : iso(drill.endedAtMs),
    state: drill.endedAtMs === null ? 'running' : 'ended',
    endReason: drill.endReason,
    alertId: drill.alertId,
    pages,
    people,
    firstAck,
    responders,
    reachedAed,
    failedChannels: pages
      .filter((p) => p.outcome === 'failed')
      .map((p) => ({ person: p.person, channel: p.channel, attempts: p.attempts, error: p.error ?? '' })),
    targets: { firstAckWithinS, stepWaitsS },
    met: {
      firstAck: firstAckWithinS === null ? null : firstAck === null ? (drill.endedAtMs === null ? null : false) : firstAck.afterS <= firstAckWithinS,
    },
    previous:
      previous === null
        ? null
        : {
            id: previous.id,
            startedAt: previous.startedAt,
            firstAckAfterS: previous.firstAck?.afterS ?? null,
            pagesDelivered: previous.pages.filter((p) => p.outcome === 'delivered').length,
            pagesFailed: previous.pages.filter((p) => p.outcome === 'failed').length,
          },
    comparison:
      previous === null
        ? null
        : { firstAckChangeS: firstAck === null || previous.firstAck === null ? null : Math.round((firstAck.afterS - previous.firstAck.afterS) * 10) / 10 },
  };
}
