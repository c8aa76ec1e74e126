import type { AedOutcome } from '../../rules/aed/index.js';
import type { IndexUpdate } from '../../rules/aqhi/index.js';
import type { RuleOutcome } from '../../rules/safety/index.js';
import type { DecodedMessage } from '../../sensors/index.js';
import type { AedService } from '../aed/aed-service.js';
import type { SafetyRules } from '../alerts/safety-rules.js';
import type { AqhiService } from '../aqhi/aqhi-service.js';
import type { Registry } from '../registry/registry.js';
import type { DeviceEntity } from '../registry/schemas.js';

export interface EvaluateDeps {
  registry: Pick<Registry, 'version'>;
  safety: Pick<SafetyRules, 'syncRegistry' | 'observe' | 'commit'>;
  aed: Pick<AedService, 'syncRegistry' | 'observe' | 'apply'>;
  aqhi: Pick<AqhiService, 'handleReading'>;
}

/** What the engines made of one stored message. */
export interface Evaluation {
  safety: readonly RuleOutcome[];
  aed: readonly AedOutcome[];
  aqhi: readonly IndexUpdate[];
}

export type EvaluateMessage = (message: DecodedMessage, device: DeviceEntity, nowMs: number) => Evaluation;

const NOTHING: readonly never[] = Object.freeze([]);

/**
 * The evaluate stage: one stored message through the safety rules, the AED cabinets and the air
 * index, in that order. Each engine follows the registry once per registry version, and each
 * saves its rule state before its alerts are committed (the safety rules), or right after (the
 * cabinets, whose alerts are deduplicated), so a crash cannot replay a fall as a new one.
 */
export function createEvaluateStage(deps: EvaluateDeps): EvaluateMessage {
  const { registry, safety, aed, aqhi } = deps;
  let registryVersion = -1;

  return function evaluateMessage(message, device, nowMs) {
    const registryChanged = registry.version !== registryVersion;
    registryVersion = registry.version;

    if (registryChanged) safety.syncRegistry(nowMs);
    const observed = safety.observe(message, device);
    if (observed !== undefined) safety.commit(observed);

    if (registryChanged) aed.syncRegistry(nowMs);
    const cabinetOutcomes = aed.observe(message, device);
    aed.apply(cabinetOutcomes);

    const indexUpdates = message.channel === 'telemetry' ? aqhi.handleReading(message.reading, device) : NOTHING;
    return { safety: observed?.outcomes ?? NOTHING, aed: cabinetOutcomes, aqhi: indexUpdates };
  };
}
