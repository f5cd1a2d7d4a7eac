import type { DependencyGraph } from './dependency-graph.js';
import type { Relation } from './relations.js';

export interface PropagationStep {
  /** Node the fault reached. */
  node: string;
  /** The relation of the edge from this node to the previous one (dependent -> dependency), as stored. */
  relation: Relation;
}

export interface Reach {
  /** Product of the relation weights along the best path, in (0, 1]. */
  weight: number;
  /** Service-to-service hops on that path. */
  callHops: number;
  /** From the faulty resource (excluded) to the reached node (included). */
  path: PropagationStep[];
}

/** How a fault starting at one resource reaches every dependent; `local` only counts paths without calls. */
export interface PropagationMap {
  any: Map<string, Reach>;
  local: Map<string, Reach>;
}

const MAX_DEPTH = 12;

/**
 * Where a fault in `origin` shows up: every transitive dependent, with the strongest path (max product of
 * relation weights, then fewest hops). Computed twice: over all edges (request-level symptoms travel through
 * calls) and over edges that are not calls (container-level symptoms stay within the workload and what it mounts).
 */
export function propagateFrom(graph: DependencyGraph, origin: string): PropagationMap {
  return { any: search(graph, origin, true), local: search(graph, origin, false) };
}

function search(graph: DependencyGraph, origin: string, allowCalls: boolean): Map<string, Reach> {
  const g = graph.graph;
  const best = new Map<string, Reach>([[origin, { weight: 1, callHops: 0, path: [] }]]);
  if (!g.hasNode(origin)) return best;
  let frontier = [origin];
  for (let depth = 0; depth < MAX_DEPTH && frontier.length; depth++) {
    const next: string[] = [];
    for (const node of frontier) {
      const from = best.get(node)!;
      // In-edges: the dependents of `node`.
      for (const edge of g.inEdges(node)) {
        const attrs = g.getEdgeAttributes(edge);
        if (attrs.call && !allowCalls) continue;
        const dependent = g.source(edge);
        const weight = from.weight * attrs.weight;
        const current = best.get(dependent);
        if (
          current &&
          (current.weight > weight ||
            (current.weight === weight && current.path.length <= from.path.length + 1))
        )
          continue;
        best.set(dependent, {
          weight,
          callHops: from.callHops + (attrs.call ? 1 : 0),
          path: [...from.path, { node: dependent, relation: attrs.relation }],
        });
        next.push(dependent);
      }
    }
    frontier = [...new Set(next)].sort();
  }
  return best;
}

/** What `origin` depends on, transitively (the symptom's cone: where its cause may lie), with path weights. */
export function dependenciesOf(graph: DependencyGraph, origin: string): Map<string, number> {
  const g = graph.graph;
  const best = new Map<string, number>([[origin, 1]]);
  if (!g.hasNode(origin)) return best;
  let frontier = [origin];
  for (let depth = 0; depth < MAX_DEPTH && frontier.length; depth++) {
    const next: string[] = [];
    for (const node of frontier) {
      for (const edge of g.outEdges(node)) {
        const w = best.get(node)! * g.getEdgeAttribute(edge, 'weight');
        const dep = g.target(edge);
        if ((best.get(dep) ?? 0) >= w) continue;
        best.set(dep, w);
        next.push(dep);
      }
    }
    frontier = [...new Set(next)].sort();
  }
  return best;
}
