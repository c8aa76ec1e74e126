import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

// The project's own eslint.config.js, with type-aware rules off: the snippets are not on disk.
let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: repoRoot, overrideConfig: tseslint.configs.disableTypeChecked });
});

async function problems(code: string, filePath: string): Promise<{ line: number; ruleId: string | null }[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => ({ line: m.line, ruleId: m.ruleId }));
}

const MODULES = 'rules-boundary/modules';

const BAD_SNIPPET = [
  "import { readFileSync } from 'node:fs';", // 1
  "import pino from 'pino';", // 2
  "import { decodePayload } from '../../sensors/index.js';", // 3
  "import { helper } from '../../gateway/alerts/alert-service.js';", // 4
  'export const a = Date.now();', // 5
  'export const b = new Date();', // 6
  'export const c = setTimeout(() => undefined, 10);', // 7
  'export const d = setInterval(() => undefined, 10);', // 8
  'export const e = process.env.TZ;', // 9
  'export const f = performance.now();', // 10
  'export const g = globalThis.process;', // 11
  'export const h = [readFileSync, pino, helper, decodePayload] as const;', // 12
].join('\n');

describe('rules/ lint boundary', () => {
  it('flags node: and package imports, imports leaving rules/, and clock and process reads', async () => {
    const found = await problems(BAD_SNIPPET, 'rules/safety/bad-snippet.ts');
    expect(found).toEqual([
      { line: 1, ruleId: MODULES },
      { line: 2, ruleId: MODULES },
      { line: 3, ruleId: MODULES },
      { line: 4, ruleId: MODULES },
      { line: 5, ruleId: 'no-restricted-syntax' },
      { line: 6, ruleId: 'no-restricted-syntax' },
      { line: 7, ruleId: 'no-restricted-globals' },
      { line: 8, ruleId: 'no-restricted-globals' },
      { line: 9, ruleId: 'no-restricted-globals' },
      { line: 10, ruleId: 'no-restricted-globals' },
      { line: 11, ruleId: 'no-restricted-syntax' },
    ]);
  }, 60_000);

  it('counts the folders a file sits in: a deeper file may climb further and stay inside rules/', async () => {
    const inside = "import { isRecord } from '../plain-data.js';\nimport { aedKinds } from '../../aed/types.js';\nexport const x = [isRecord, aedKinds];\n";
    expect(await problems(inside, 'rules/safety/evaluators/ok-snippet.ts')).toEqual([]);
    const outside = "import { x } from '../../../broker/acl.js';\nexport const y = x;\n";
    expect(await problems(outside, 'rules/safety/evaluators/bad-snippet.ts')).toEqual([{ line: 1, ruleId: MODULES }]);
    // A path that dips into rules/ and climbs out again leaves it all the same.
    const roundabout = "import { x } from '../../safety/../../gateway/metrics.js';\nexport const y = x;\n";
    expect(await problems(roundabout, 'rules/safety/evaluators/bad-snippet.ts')).toEqual([{ line: 1, ruleId: MODULES }]);
  }, 60_000);

  it('takes not even a type from outside rules/: rules/device-messages.ts declares the shapes the rules read', async () => {
    const leaving = [
      "import type { Reading } from '../../sensors/index.js';", // 1
      "import { type DeviceEvent } from '../../sensors/index.js';", // 2
      "export type { StatusUpdate } from '../../sensors/index.js';", // 3
      "export type * from '../../gateway/registry/schemas.js';", // 4
      "export type R = import('../../sensors/index.js').Reading;", // 5
      "import type { Logger } from 'pino';", // 6
      "export type L = import('pino').Logger;", // 7
      "export const load = (): Promise<unknown> => import('../../sensors/index.js');", // 8
      'export type E = [Reading, DeviceEvent, Logger];', // 9
    ].join('\n');
    // (consistent-type-imports also objects to import('…') types; this is about the boundary.)
    const boundary = async (code: string, filePath: string) => (await problems(code, filePath)).filter((p) => p.ruleId === MODULES);
    expect(await boundary(leaving, 'rules/safety/bad-snippet.ts')).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((line) => ({ line, ruleId: MODULES })));
    const inside = "import type { Reading } from '../device-messages.js';\nexport type R = Reading | import('./types.js').RuleOutcome;\n";
    expect(await boundary(inside, 'rules/safety/ok-snippet.ts')).toEqual([]);
  }, 60_000);

  it('holds for the rules/ tree as it is', async () => {
    const results = await eslint.lintFiles(['rules/']);
    const boundary = results.flatMap((r) => r.messages.filter((m) => m.ruleId === MODULES).map((m) => `${r.filePath}:${m.line} ${m.message}`));
    expect(results.length).toBeGreaterThan(50);
    expect(boundary).toEqual([]);
  }, 120_000);

  it('allows time passed in and explicit dates', async () => {
    const ok = 'export function at(nowMs: number): string {\n  return new Date(nowMs).toISOString() + String(Date.UTC(2025, 0, 1));\n}\n';
    expect(await problems(ok, 'rules/aed/ok-snippet.ts')).toEqual([]);
  }, 60_000);

  it('leaves the gateway, which owns the clock and the I/O, alone', async () => {
    expect(await problems("import { readFileSync } from 'node:fs';\nexport const a = [Date.now(), readFileSync, process.pid];\n", 'gateway/ok-snippet.ts')).toEqual([]);
  }, 60_000);
});
