/**
 * Fails when gateway/ has a folder cycle that is not in TOLERATED (type-only imports count: a type
 * imported the wrong way is still a dependency the wrong way). Run by `npm run lint`.
 * dependency-cruiser resolves the imports (test/lint/gateway-imports.ts); the folder graph is ours.
 */
import { cycleEdges } from './folder-cycles.js';
import { gatewayImports } from './gateway-imports.js';

/** Folder edges that lie on a cycle today. Each one broken is taken off; nothing is added. */
const TOLERATED: readonly string[] = [
  'alerts → pager',
  'pager → alerts',
];

const tolerated = new Set(TOLERATED);
const imports = await gatewayImports(process.cwd());
if (imports.length === 0) throw new Error('no imports found under gateway/: run this from the repository root');
const onCycle = cycleEdges(imports);
const fresh = onCycle.filter((c) => !tolerated.has(c.edge));
const broken = TOLERATED.filter((edge) => !onCycle.some((c) => c.edge === edge));

if (process.argv.includes('--list')) for (const c of onCycle) console.log(`  '${c.edge}',`);
for (const edge of broken) {
  console.warn(`folder edge ${edge} is no longer on a cycle: take it off TOLERATED in test/lint/check-folder-cycles.ts`);
}
if (fresh.length > 0) {
  console.error('gateway/ has a new folder cycle (type imports included):');
  for (const c of fresh) {
    console.error(`\n  ${c.edge}, and back: ${c.wayBack.map((f) => f.replace(/^gateway\//, '')).join(' → ')}`);
    for (const imp of c.imports) console.error(`    ${imp.from} imports ${imp.to}`);
  }
  console.error('\nMove the type or function to the folder that owns it, or to one both sides import one way.');
  process.exitCode = 1;
}
