/**
 * Fails when gateway/ has a folder cycle (type-only imports count: a type imported the wrong way
 * is still a dependency the wrong way). Run by `npm run lint`.
 * dependency-cruiser resolves the imports (test/lint/gateway-imports.ts); the folder graph is ours.
 */
import { cycleEdges } from './folder-cycles.js';
import { gatewayImports } from './gateway-imports.js';

const imports = await gatewayImports(process.cwd());
if (imports.length === 0) throw new Error('no imports found under gateway/: run this from the repository root');
const onCycle = cycleEdges(imports);

if (onCycle.length > 0) {
  console.error('gateway/ has a folder cycle (type imports included):');
  for (const c of onCycle) {
    console.error(`\n  ${c.edge}, and back: ${c.wayBack.map((f) => f.replace(/^gateway\//, '')).join(' → ')}`);
    for (const imp of c.imports) console.error(`    ${imp.from} imports ${imp.to}`);
  }
  console.error('\nMove the type or function to the folder that owns it, or to one both sides import one way.');
  process.exitCode = 1;
}
