import { readFileSync } from 'node:fs';
import { Value } from '@sinclair/typebox/value';
import YAML from 'yaml';
import { aqhiSelectionProblems } from '../aqhi/profile-selection.js';
import { templateProblems } from '../dispatch120/handoff-template.js';
import { describeSchemaErrors } from '../errors/schema-errors.js';
import { DEFAULT_TIME_ZONE, isTimeZone, type DeploymentSettings } from '../registry/provision.js';
import { RegistryError, type Registry, type RegistryLoad } from '../registry/registry.js';
import { ProvisionFile, COLLECTION_NAMES } from '../registry/schemas.js';

/** A provision file read and checked, its secrets not yet settled: see beginProvisionLoad. */
export interface ProvisionLoad {
  readonly file: string;
  /** The file's time zone and rules: in force from this start on, stored with the load's entries. */
  readonly settings: DeploymentSettings;
  /** How many device secrets the file brings. */
  readonly secrets: number;
  /** Before the broker listens: one slow hash per group confirms the devices that did not change. */
  confirmUnchanged(): Promise<void>;
  /** While the broker serves the devices it knows: the rest hashed, then written at once. */
  commit(): Promise<{ created: number; updated: number }>;
  cancel(): void;
}

/**
 * Reads a provision file (JSON or YAML) and validates every entry now: a wrong file is refused
 * before anything listens, and nothing of it is written. The load is an idempotent upsert.
 */
export function beginProvisionLoad(filePath: string, registry: Registry, secretProgress?: (settled: number, total: number) => void): ProvisionLoad {
  let parsed: unknown;
  try {
    const text = readFileSync(filePath, 'utf8');
    parsed = filePath.endsWith('.json') ? JSON.parse(text) : YAML.parse(text);
  } catch (err) {
    throw new RegistryError('invalid', `provision file ${filePath}: ${(err as Error).message}`);
  }
  if (!Value.Check(ProvisionFile, parsed)) {
    // Entry-level errors are reported by the registry with defaults applied; here only the top level.
    const topLevel = describeSchemaErrors(ProvisionFile, Value.Default(ProvisionFile, parsed));
    const entryErrors = topLevel.filter((m) => !COLLECTION_NAMES.some((c) => m.startsWith(`${c}/`)));
    if (entryErrors.length > 0) throw new RegistryError('invalid', `provision file ${filePath}: ${entryErrors.join('; ')}`);
  }
  const file = parsed as ProvisionFile;
  if (file.timeZone !== undefined && !isTimeZone(file.timeZone)) {
    throw new RegistryError('invalid', `provision file ${filePath}: timeZone: unknown time zone "${file.timeZone}"`);
  }
  const templateErrors = file.dispatch120 === undefined ? [] : templateProblems(file.dispatch120);
  if (templateErrors.length > 0) throw new RegistryError('invalid', `provision file ${filePath}: ${templateErrors.join('; ')}`);
  const aqhiProblems = aqhiSelectionProblems(file.rules?.aqhi);
  if (aqhiProblems.length > 0) throw new RegistryError('invalid', `provision file ${filePath}: ${aqhiProblems.join('; ')}`);
  const inFile = (err: unknown): RegistryError =>
    new RegistryError(err instanceof RegistryError && err.code === 'loading' ? 'loading' : 'invalid', `provision file ${filePath}: ${(err as Error).message}`);
  let load: RegistryLoad;
  try {
    load = registry.beginLoad(file, secretProgress);
  } catch (err) {
    throw inFile(err);
  }
  const settings: DeploymentSettings = {
    timeZone: file.timeZone ?? DEFAULT_TIME_ZONE,
    rules: file.rules ?? {},
    ...(file.dispatch120 === undefined ? {} : { dispatch120: file.dispatch120 }),
  };
  return {
    file: filePath,
    settings,
    secrets: load.secrets,
    confirmUnchanged: () => load.confirmUnchanged(),
    async commit() {
      let result: { created: number; updated: number };
      try {
        result = await load.commit({ deploymentSettings: settings });
      } catch (err) {
        throw inFile(err);
      }
      return result;
    },
    cancel: () => load.cancel(),
  };
}
