import { Value } from '@sinclair/typebox/value';
import { describeSchemaErrors } from '../errors/schema-errors.js';
import { RegistryError } from './registry-error.js';
import { contactIdProblem, deviceBindingProblem } from './references.js';
import { COLLECTIONS, type CollectionName, type DeviceEntity, type EntityByCollection } from './schemas.js';
import { sharingProblems } from './sharing-check.js';

/** Applies schema defaults and validates one entry; throws a RegistryError naming the fields. */
export function parseEntry<C extends CollectionName>(collection: C, body: unknown): EntityByCollection[C] {
  const schema = COLLECTIONS[collection];
  if (collection === 'residents') {
    const problems = sharingProblems((body as { sharing?: unknown } | null)?.sharing);
    if (problems.length > 0) throw new RegistryError('invalid', problems.join('; '));
  }
  const value = Value.Default(schema, structuredClone(body)) as unknown;
  if (!Value.Check(schema, value)) {
    throw new RegistryError('invalid', describeSchemaErrors(schema, value).join('; '));
  }
  const entry = value as EntityByCollection[C];
  if (collection === 'devices') {
    const problem = deviceBindingProblem(entry as DeviceEntity);
    if (problem !== undefined) throw new RegistryError('invalid', problem);
  }
  if (collection === 'residents') {
    const problem = contactIdProblem(entry as EntityByCollection['residents']);
    if (problem !== undefined) throw new RegistryError('invalid', problem);
  }
  return entry;
}
