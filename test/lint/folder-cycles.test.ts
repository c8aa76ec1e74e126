import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cycleEdges, folderOf } from './folder-cycles.js';
import { gatewayImports } from './gateway-imports.js';

const imp = (from: string, to: string) => ({ from: `gateway/${from}`, to: `gateway/${to}` });
const edges = (imports: ReturnType<typeof imp>[]) => cycleEdges(imports).map((c) => c.edge);

describe('folder cycles in gateway/', () => {
  it('names a module by its folder, and a file at the top by itself', () => {
    expect(folderOf('gateway/alerts/alert-service.ts')).toBe('gateway/alerts');
    expect(folderOf('gateway/http/routes/alerts.ts')).toBe('gateway/http');
    expect(folderOf('gateway/metrics.ts')).toBe('gateway/metrics.ts');
    expect(folderOf('rules/safety/safety-engine.ts')).toBeUndefined();
  });

  it.each([
    { name: 'one way', imports: [imp('a/x.ts', 'b/y.ts'), imp('b/y.ts', 'c/z.ts')], onCycle: [] },
    { name: 'within one folder', imports: [imp('a/x.ts', 'a/y.ts'), imp('a/y.ts', 'a/x.ts')], onCycle: [] },
    { name: 'two folders both ways', imports: [imp('a/x.ts', 'b/y.ts'), imp('b/z.ts', 'a/w.ts')], onCycle: ['a → b', 'b → a'] },
    {
      name: 'three folders round, with a branch off it',
      imports: [imp('a/x.ts', 'b/y.ts'), imp('b/y.ts', 'c/z.ts'), imp('c/z.ts', 'a/w.ts'), imp('a/x.ts', 'd/v.ts')],
      onCycle: ['a → b', 'b → c', 'c → a'],
    },
    { name: 'a top file and a folder', imports: [imp('metrics.ts', 'a/x.ts'), imp('a/x.ts', 'metrics.ts')], onCycle: ['a → metrics.ts', 'metrics.ts → a'] },
  ])('$name', ({ imports, onCycle }) => {
    expect(edges(imports)).toEqual(onCycle);
  });

  it('shows the imports behind an edge and the way back', () => {
    const [first] = cycleEdges([imp('a/x.ts', 'b/y.ts'), imp('b/y.ts', 'c/z.ts'), imp('c/z.ts', 'a/w.ts')]);
    expect(first).toEqual({ edge: 'a → b', imports: [imp('a/x.ts', 'b/y.ts')], wayBack: ['gateway/b', 'gateway/c', 'gateway/a'] });
  });

  describe('reading a source tree', () => {
    let root: string | undefined;
    afterEach(() => {
      if (root) rmSync(root, { recursive: true, force: true });
    });

    it('counts a type-only import as a dependency', async () => {
      root = mkdtempSync(join(tmpdir(), 'folder-cycles-'));
      const files: Record<string, string> = {
        'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', verbatimModuleSyntax: true } }),
        'gateway/http/token-store.ts': "import { hashToken } from '../auth/hash.js';\nexport class TokenStore { hash = hashToken; }\n",
        'gateway/auth/hash.ts': 'export function hashToken(token: string): string { return token; }\n',
        'gateway/auth/authenticator.ts': "import type { TokenStore } from '../http/token-store.js';\nexport type Tokens = TokenStore;\n",
      };
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(root, path)), { recursive: true });
        writeFileSync(join(root, path), text);
      }
      const found = cycleEdges(await gatewayImports(root));
      expect(found.map((c) => c.edge)).toEqual(['auth → http', 'http → auth']);
      expect(found[0]!.imports).toEqual([{ from: 'gateway/auth/authenticator.ts', to: 'gateway/http/token-store.ts' }]);
    });
  });
});
