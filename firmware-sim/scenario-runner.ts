import type { Community } from './community.js';
import type { SimLog } from './device-message.js';
import { formatLocalClock, nextLocalTimeMs } from './local-time.js';
import type { Scenario } from './scenario-types.js';
import type { TimerHandle } from './sim-clock.js';

export interface ScenarioRunOptions {
  community: Community;
  log: SimLog;
  /** Wait for the scenario's `startsAt` time of day before beginning; otherwise begin now. */
  waitForStartTime?: boolean;
  /** Names for the ids in its lines (default: the ids). */
  names?: (id: string) => string;
}

export interface ScenarioOutcome {
  scenario: Scenario;
  startedAtMs: number;
  endedAtMs: number;
  cancelled: boolean;
}

export interface ScenarioRun {
  /** Resolves when the scenario has played out (or was cancelled). */
  readonly done: Promise<ScenarioOutcome>;
  /** Resolves with the simulated time the first step ran at. */
  readonly started: Promise<number>;
  cancel(): void;
}

function formatOffset(ms: number): string {
  const totalS = Math.round(ms / 1000);
  const h = Math.floor(totalS / 3600);
  const m = Math.floor((totalS % 3600) / 60);
  const s = totalS % 60;
  const pad = (n: number): string => String(n).padStart(2, '0');
  return h > 0 ? `+${h}:${pad(m)}:${pad(s)}` : `+${m}:${pad(s)}`;
}

export function describeExpectations(scenario: Scenario, names: (id: string) => string = (id) => id): string {
  if (scenario.expectedAlerts.length === 0) return 'no alert';
  return scenario.expectedAlerts.map((a) => `${a.kind} (${a.severity}) for ${names(a.subject)}`).join(', ');
}

/** The scenario as a plan: what happens when, and what the gateway should make of it. */
export function describeScenario(scenario: Scenario): string[] {
  return [
    `${scenario.name}${scenario.startsAt === undefined ? '' : ` (from ${scenario.startsAt})`}: ${scenario.summary}`,
    `  devices: ${scenario.deviceIds.join(', ')}; expects: ${describeExpectations(scenario)}`,
    ...scenario.steps.map((step) => `  ${formatOffset(step.atMs).padStart(9)}  ${step.say}`),
    `  ${formatOffset(scenario.durationMs).padStart(9)}  done`,
  ];
}

/**
 * Plays a scenario's steps on the community's clock, printing a line for each: at speed in the
 * demo, or step by step when a test moves a manual clock.
 */
export function runScenario(scenario: Scenario, options: ScenarioRunOptions): ScenarioRun {
  const { community, log } = options;
  const { clock } = community;
  const timeZone = community.provision.timeZone;
  const handles: TimerHandle[] = [];
  let cancelled = false;
  let finish: (outcome: ScenarioOutcome) => void = () => undefined;
  let markStarted: (atMs: number) => void = () => undefined;
  let startedAtMs = Number.NaN;
  const done = new Promise<ScenarioOutcome>((resolve) => {
    finish = resolve;
  });
  const started = new Promise<number>((resolve) => {
    markStarted = resolve;
  });
  const prefix = `[${scenario.name}]`;

  const begin = (): void => {
    if (cancelled) return;
    startedAtMs = clock.now();
    markStarted(startedAtMs);
    log(`${prefix} ${scenario.summary}`);
    const names = options.names ?? ((id: string) => id);
    log(`${prefix} devices: ${scenario.deviceIds.map(names).join(', ')}; expects: ${describeExpectations(scenario, names)}`);
    for (const step of scenario.steps) {
      handles.push(
        clock.at(startedAtMs + step.atMs, () => {
          if (cancelled) return;
          let detail = '';
          try {
            detail = step.act?.(community, clock.now()) ?? '';
          } catch (err) {
            detail = ` (could not: ${err instanceof Error ? err.message : String(err)})`;
          }
          log(`${prefix} ${formatLocalClock(clock.now(), timeZone)} ${formatOffset(step.atMs)} ${step.say}${detail}`);
        }),
      );
    }
    handles.push(
      clock.at(startedAtMs + scenario.durationMs, () => {
        log(`${prefix} ${formatLocalClock(clock.now(), timeZone)} ${formatOffset(scenario.durationMs)} done`);
        finish({ scenario, startedAtMs, endedAtMs: clock.now(), cancelled: false });
      }),
    );
  };

  if (options.waitForStartTime === true && scenario.startsAt !== undefined) {
    const atMs = nextLocalTimeMs(clock.now(), scenario.startsAt, timeZone);
    if (atMs > clock.now()) log(`${prefix} waits for ${scenario.startsAt} (now ${formatLocalClock(clock.now(), timeZone)})`);
    handles.push(clock.at(atMs, begin));
  } else {
    begin();
  }

  return {
    done,
    started,
    cancel() {
      if (cancelled) return;
      cancelled = true;
      for (const h of handles) h.cancel();
      finish({ scenario, startedAtMs, endedAtMs: clock.now(), cancelled: true });
    },
  };
}
