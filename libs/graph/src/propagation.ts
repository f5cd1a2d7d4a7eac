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

/**
 * A Reach whose path is a shared, immutable list from the reached node back to the origin: a search extends its
 * parent's path in O(1) instead of copying it, and only the paths someone reads are turned into arrays.
 */
export interface LinkedReach {
  weight: number;
  callHops: number;
  length: number;
  last?: PathLink;
}

interface PathLink {
  node: string;
  relation: Relation;
  prev?: PathLink;
}

const MAX_DEPTH = 12;

/**
 * Where a fault in `origin` shows up: every transitive dependent, with the strongest path (max product of
 * relation weights, then fewest hops). Computed twice: over all edges (request-level symptoms travel through
 * calls) and over edges that are not calls (container-level symptoms stay within the workload and what it mounts).
 */
export function propagateFrom(graph: DependencyGraph, origin: string): PropagationMap {
  return {
    any: materialize(searchDependents(graph, origin, true)),
    local: materialize(searchDependents(graph, origin, false)),
  };
}

function materialize(found: Map<string, LinkedReach>): Map<string, Reach> {
  const out = new Map<string, Reach>();
  for (const [node, r] of found) out.set(node, toReach(r));
  return out;
}

export function toReach(r: LinkedReach): Reach {
  const path = new Array<PropagationStep>(r.length);
  let link = r.last;
  for (let i = r.length - 1; i >= 0; i--, link = link!.prev)
    path[i] = { node: link!.node, relation: link!.relation };
  return { weight: r.weight, callHops: r.callHops, path };
}

/**
 * The search behind propagateFrom: rounds over a sorted frontier, at most MAX_DEPTH of them, keeping per node the
 * best (weight, then path length) offer first found. `within` restricts it to the nodes from which some node of
 * interest can be reached (see dependencyClosure): the others only ever pass offers to nodes like themselves, so
 * every node of interest gets exactly the value and path the unrestricted search gives it.
 */
export function searchDependents(
  graph: DependencyGraph,
  origin: string,
  allowCalls: boolean,
  within?: ReadonlySet<string>,
): Map<string, LinkedReach> {
  return search(graph, origin, allowCalls, within).best;
}

/**
 * Both searches of propagateFrom within `within`. When the search over all edges met no call edge, the one
 * without calls would make the very same moves, so its result is reused instead of computed again.
 */
export function searchBoth(
  graph: DependencyGraph,
  origin: string,
  within?: ReadonlySet<string>,
): { any: Map<string, LinkedReach>; local: Map<string, LinkedReach> } {
  const any = search(graph, origin, true, within);
  return { any: any.best, local: any.metCall ? search(graph, origin, false, within).best : any.best };
}

function search(
  graph: DependencyGraph,
  origin: string,
  allowCalls: boolean,
  within: ReadonlySet<string> | undefined,
): { best: Map<string, LinkedReach>; metCall: boolean } {
  const best = new Map<string, LinkedReach>();
  best.set(origin, { weight: 1, callHops: 0, length: 0 });
  let metCall = false;
  if (!graph.graph.hasNode(origin)) return { best, metCall };
  let frontier = [origin];
  for (let depth = 0; depth < MAX_DEPTH && frontier.length; depth++) {
    const next: string[] = [];
    for (const node of frontier) {
      const from = best.get(node)!;
      for (const edge of graph.dependents(node)) {
        const dependent = edge.node;
        if (within && !within.has(dependent)) continue;
        if (edge.call) {
          metCall = true;
          if (!allowCalls) continue;
        }
        const weight = from.weight * edge.weight;
        const current = best.get(dependent);
        if (
          current &&
          (current.weight > weight || (current.weight === weight && current.length <= from.length + 1))
        )
          continue;
        best.set(dependent, {
          weight,
          callHops: from.callHops + (edge.call ? 1 : 0),
          length: from.length + 1,
          last: { node: dependent, relation: edge.relation, prev: from.last },
        });
        next.push(dependent);
      }
    }
    frontier = next.length > 1 ? [...new Set(next)].sort() : next;
  }
  return { best, metCall };
}

/**
 * Every node from which a fault can reach one of `targets` (the targets included): what they depend on,
 * transitively and without a depth limit, so that it bounds searchDependents exactly.
 */
export function dependencyClosure(graph: DependencyGraph, targets: Iterable<string>): Set<string> {
  const seen = new Set<string>(targets);
  const stack = [...seen];
  while (stack.length) {
    for (const { node: dep } of graph.dependencies(stack.pop()!)) {
      if (!seen.has(dep)) {
        seen.add(dep);
        stack.push(dep);
      }
    }
  }
  return seen;
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
      g.forEachOutEdge(node, (_edge, attrs, _source, dep) => {
        const w = best.get(node)! * attrs.weight;
        if ((best.get(dep) ?? 0) >= w) return;
        best.set(dep, w);
        next.push(dep);
      });
    }
    frontier = [...new Set(next)].sort();
  }
  return best;
}
