/**
 * The folder graph of gateway/ and the edges of it that lie on a cycle. A folder edge lies on a
 * cycle exactly when both ends are in the same strongly connected component (Tarjan, 1972), so a
 * new cycle always shows up as at least one edge that was not on a cycle before.
 */

/** One import from a module to another, by path relative to the repository root. */
export interface ModuleImport {
  from: string;
  to: string;
}

/** A folder edge on a cycle, with the imports that make it and one way back to close the cycle. */
export interface CycleEdge {
  edge: string;
  imports: ModuleImport[];
  wayBack: string[];
}

/** `gateway/alerts/alert-service.ts` → `gateway/alerts`; files at gateway/'s top are their own node. */
export function folderOf(modulePath: string): string | undefined {
  return /^gateway\/[^/]+/.exec(modulePath)?.[0];
}

export function edgeName(from: string, to: string): string {
  return `${from.replace(/^gateway\//, '')} → ${to.replace(/^gateway\//, '')}`;
}

/** Folder → folders it imports from, and the module imports behind each folder edge. */
export function folderGraph(imports: readonly ModuleImport[]): Map<string, Map<string, ModuleImport[]>> {
  const graph = new Map<string, Map<string, ModuleImport[]>>();
  for (const imp of imports) {
    const from = folderOf(imp.from);
    const to = folderOf(imp.to);
    if (from === undefined || to === undefined || from === to) continue;
    const targets = graph.get(from) ?? new Map<string, ModuleImport[]>();
    graph.set(from, targets);
    const behind = targets.get(to) ?? [];
    targets.set(to, behind);
    behind.push(imp);
  }
  return graph;
}

function componentOf(graph: Map<string, Map<string, ModuleImport[]>>): Map<string, number> {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const component = new Map<string, number>();
  const stack: string[] = [];
  let counter = 0;
  let components = 0;
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    for (const next of graph.get(node)?.keys() ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (!component.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      let member: string | undefined;
      do {
        member = stack.pop()!;
        component.set(member, components);
      } while (member !== node);
      components += 1;
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return component;
}

/** Shortest folder path from `start` to `goal` (breadth first), for the message. */
function shortestPath(graph: Map<string, Map<string, ModuleImport[]>>, start: string, goal: string): string[] {
  const cameFrom = new Map<string, string>([[start, start]]);
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    if (node === goal) break;
    for (const next of [...(graph.get(node)?.keys() ?? [])].sort()) {
      if (cameFrom.has(next)) continue;
      cameFrom.set(next, node);
      queue.push(next);
    }
  }
  const path = [goal];
  while (path[0] !== start) path.unshift(cameFrom.get(path[0]!)!);
  return path;
}

/** Every folder edge that lies on a cycle, sorted by name. */
export function cycleEdges(imports: readonly ModuleImport[]): CycleEdge[] {
  const graph = folderGraph(imports);
  const component = componentOf(graph);
  const found: CycleEdge[] = [];
  for (const [from, targets] of graph) {
    for (const [to, behind] of targets) {
      if (component.get(from) !== component.get(to)) continue;
      found.push({ edge: edgeName(from, to), imports: behind, wayBack: shortestPath(graph, to, from) });
    }
  }
  return found.sort((a, b) => a.edge.localeCompare(b.edge));
}
