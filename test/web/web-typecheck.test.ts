import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/*
 * The browser modules are plain ES modules with JSDoc types, outside the root tsconfig (which is
 * for Node). This holds them to the same strict checks against the DOM's types.
 */

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const project = fileURLToPath(new URL('../../gateway/web/tsconfig.json', import.meta.url));

describe('web UI modules', () => {
  it('pass tsc --strict against the DOM types', () => {
    const run = spawnSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8' });
    expect(run.stdout + run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
