import type { TSchema } from '@sinclair/typebox';
import { ValueErrorType } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';

/**
 * Turns schema errors into sentences that name the field, e.g.
 * `residents/0/home/lat: expected number` or `devices/2/colour: unknown field`.
 */
export function describeSchemaErrors(schema: TSchema, value: unknown, limit = 5): string[] {
  const messages: string[] = [];
  for (const error of Value.Errors(schema, value)) {
    const where = error.path === '' ? '(top level)' : error.path.replace(/^\//, '');
    const what = error.type === ValueErrorType.ObjectAdditionalProperties ? 'unknown field' : error.message.toLowerCase();
    const message = `${where}: ${what}`;
    if (!messages.includes(message)) messages.push(message);
    if (messages.length >= limit) break;
  }
  return messages;
}
