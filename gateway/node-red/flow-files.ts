import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { capFunctionTimeouts } from './function-timeouts.js';

export const FLOW_FILE = 'flows.json';

/**
 * Node-RED's own directory, next to DATA_DIR (`./data` → `./data-node-red`): DATA_DIR is the
 * gateway's alone (0700), and Node-RED's process, under another user, must not enter it.
 */
export function nodeRedUserDir(dataDir: string): string {
  return `${path.resolve(dataDir)}-node-red`;
}

/** Flows an older gateway kept in DATA_DIR/node-red move to Node-RED's own directory once. */
export function moveFlowsOutOfDataDir(dataDir: string, userDir: string): boolean {
  const old = path.join(dataDir, 'node-red');
  if (!existsSync(old) || existsSync(userDir)) return false;
  renameSync(old, userDir);
  return true;
}
/** The editor's Import → Library shows this folder of `userDir/lib/flows`. */
export const EXAMPLES_LIBRARY_FOLDER = 'gateway-examples';
const EXAMPLES_SOURCE = fileURLToPath(new URL('./examples/', import.meta.url));

/**
 * Copies the shipped example flows into the editor's library. The folder belongs to the gateway
 * and is refreshed on every start; operators save their own flows elsewhere in the library.
 */
export function installExampleFlows(userDir: string): string[] {
  const target = path.join(userDir, 'lib', 'flows', EXAMPLES_LIBRARY_FOLDER);
  mkdirSync(target, { recursive: true });
  const names = readdirSync(EXAMPLES_SOURCE).filter((f) => f.endsWith('.json'));
  for (const name of names) copyFileSync(path.join(EXAMPLES_SOURCE, name), path.join(target, name));
  return names.map((n) => n.replace(/\.json$/, ''));
}

/**
 * Caps function node time limits in the stored flows before Node-RED loads them (a file edited by
 * hand or written by an older gateway). Returns how many nodes changed; an unreadable file is left
 * for Node-RED to report.
 */
export function capStoredFunctionTimeouts(userDir: string, maxS: number): number {
  const file = path.join(userDir, FLOW_FILE);
  if (!existsSync(file)) return 0;
  let flows: unknown;
  try {
    flows = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return 0;
  }
  const changed = capFunctionTimeouts(flows, maxS);
  if (changed > 0) {
    writeFileSync(`${file}.tmp`, JSON.stringify(flows, null, 4));
    renameSync(`${file}.tmp`, file);
  }
  return changed;
}
