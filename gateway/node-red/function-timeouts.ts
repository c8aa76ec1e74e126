/**
 * Node-RED runs a function node's code in a vm with the node's own `timeout` (seconds; 0 = none,
 * then `globalFunctionTimeout` applies). A flow's JSON may ask for any value, so every function
 * node in a deployed or stored flow gets at most `maxS`: a `while (true) {}` is cut off instead of
 * blocking the process, and with it ingestion and paging.
 *
 * Walks any shape the admin API takes (a v1 array, a v2 `{flows}`, a single-flow `{nodes,
 * subflows}`) and returns how many nodes it changed.
 */
export function capFunctionTimeouts(value: unknown, maxS: number): number {
  let changed = 0;
  const visit = (item: unknown, depth: number): void => {
    if (depth > 8 || typeof item !== 'object' || item === null) return;
    if (Array.isArray(item)) {
      for (const entry of item) visit(entry, depth + 1);
      return;
    }
    const node = item as Record<string, unknown>;
    if (node.type === 'function') {
      const timeout = Number(node.timeout);
      if (!(Number.isFinite(timeout) && timeout > 0 && timeout <= maxS)) {
        node.timeout = maxS;
        changed += 1;
      }
      return;
    }
    for (const child of Object.values(node)) if (typeof child === 'object') visit(child, depth + 1);
  };
  visit(value, 0);
  return changed;
}
