import { join } from 'node:path';
import { cruise } from 'dependency-cruiser';
import type { ICruiseResult } from 'dependency-cruiser';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import type { ModuleImport } from './folder-cycles.js';

/**
 * Every import between modules under `root`/gateway/, type-only ones included, as
 * dependency-cruiser resolves them with the project's tsconfig.json (so `./x.js` finds `x.ts`).
 */
export async function gatewayImports(root: string): Promise<ModuleImport[]> {
  const tsConfigFile = join(root, 'tsconfig.json');
  const { output } = await cruise(
    ['gateway'],
    { baseDir: root, tsPreCompilationDeps: true, includeOnly: '^gateway/', tsConfig: { fileName: tsConfigFile } },
    {},
    { tsConfig: extractTSConfig(tsConfigFile) },
  );
  const imports: ModuleImport[] = [];
  const unresolved: string[] = [];
  for (const mod of (output as ICruiseResult).modules) {
    for (const dep of mod.dependencies) {
      if (dep.couldNotResolve) unresolved.push(`${mod.source} imports ${dep.module}`);
      else imports.push({ from: mod.source, to: dep.resolved });
    }
  }
  // An import the tool cannot follow is an edge it cannot see: say so rather than pass.
  if (unresolved.length > 0) throw new Error(`cannot resolve:\n  ${unresolved.join('\n  ')}`);
  return imports;
}
