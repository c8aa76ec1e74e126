import { MINUTE_MS } from './local-time.js';
import { CastingError } from './scenario-cast.js';
import type { Scenario, ScenarioCast } from './scenario-types.js';
import type { SimProvision } from './sim-provision.js';

/*
 * An AED cabinet that would let someone down: its self-test fails. The gateway raises a fault
 * alert for the cabinet (named by its place) and asks its guardian; the guardian replaces the
 * pads, the test passes and the alert clears.
 */

export function aedSelfTestFailed(provision: SimProvision, cast: ScenarioCast): Scenario {
  const cabinet = provision.devices.find((d) => d.id === cast.aedCabinet && d.kind === 'aed');
  const aed = provision.aeds.find((a) => a.id === cabinet?.aed);
  if (cabinet === undefined || aed === undefined) throw new CastingError('aed-self-test-failed: no AED cabinet with an AED in the provision file');
  const place = aed.description ?? 'the AED cabinet';
  return {
    name: 'aed-self-test-failed',
    summary: `The AED at ${place} fails its self-test (its pads have dried out): the gateway raises a medium aed_fault alert for the cabinet, counts it out of the usable AEDs and asks its guardian; new pads go in, the test passes and the alert clears.`,
    deviceIds: [cabinet.id],
    subjects: [aed.id],
    startsAt: '09:00',
    durationMs: 45 * MINUTE_MS,
    expectedAlerts: [{ kind: 'aed_fault', subject: aed.id, severity: 'medium' }],
    steps: [
      { atMs: 0, say: `the AED at ${place} runs its self-test: it fails`, act: (c) => c.aed(cabinet.id).act((m, now) => m.selfTestNow(now, 'fail')) },
      { atMs: 2 * MINUTE_MS, say: `an aed_fault alert should be open for the AED at ${place}, and its guardian asked` },
      { atMs: 30 * MINUTE_MS, say: 'the guardian fits new pads and runs the test again: it passes', act: (c) => c.aed(cabinet.id).act((m, now) => m.selfTestNow(now, 'pass')) },
      { atMs: 35 * MINUTE_MS, say: 'the self-test passed: the aed_fault alert should have cleared' },
    ],
  };
}
