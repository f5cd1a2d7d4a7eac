import {
  dependencyClosure,
  searchBoth,
  toReach,
  type DependencyGraph,
  type LinkedReach,
  type Reach,
} from '#graph';
import type { Candidate } from './candidate-changes.js';
import type { EvidenceGroup } from './incident-evidence.js';

/** How a fault of one origin reaches a node, as explanations read it (see propagateFrom). */
export interface ReachLookup {
  any(node: string): Reach | undefined;
  local(node: string): Reach | undefined;
}

const NOWHERE: ReachLookup = { any: () => undefined, local: () => undefined };
const NONE: readonly number[] = [];

interface Hits {
  any: Map<string, LinkedReach>;
  local: Map<string, LinkedReach>;
  /** The numbers of the nodes of interest reached either way, so queries match them without string keys. */
  ids: number[];
}

/**
 * Propagation results kept between queries until the graph changes. Searches start from changed resources and
 * only matter where they reach a node with symptoms (a node of interest), so they stay within the nodes from
 * which one can be reached (their dependency closure; see searchDependents for why that is exact) and keep only
 * what they found at nodes of interest. A new node of interest invalidates exactly the origins that can reach it.
 */
export class ReachCache {
  private version = -1;
  /** Nodes of interest, numbered in the order they came. */
  private readonly interest = new Map<string, number>();
  private readonly closure = new Set<string>();
  private readonly hits = new Map<string, Hits>();
  /** Bumped whenever a cached search may be gone; candidates remember their hits for one epoch. */
  private epoch = 0;
  private readonly memo = new WeakMap<Candidate, { epoch: number; hits: Hits | undefined }>();

  constructor(private readonly graph: DependencyGraph) {}

  /** Adds nodes of interest (symptoms' resources); drops everything first if the graph changed. */
  include(nodes: Iterable<string>): void {
    if (this.graph.version !== this.version) {
      this.version = this.graph.version;
      this.interest.clear();
      this.closure.clear();
      this.hits.clear();
      this.epoch++;
    }
    for (const node of nodes) {
      if (this.interest.has(node)) continue;
      this.interest.set(node, this.interest.size);
      this.epoch++;
      for (const origin of dependencyClosure(this.graph, [node])) {
        this.hits.delete(origin);
        this.closure.add(origin);
      }
    }
  }

  /** The number of a node of interest (see include), and how many there are. */
  idOf(node: string): number | undefined {
    return this.interest.get(node);
  }

  get size(): number {
    return this.interest.size;
  }

  /** from(candidate.origin), remembered on the candidate: a query meets every candidate of its window. */
  of(candidate: Candidate): Hits | undefined {
    const m = this.memo.get(candidate);
    if (m && m.epoch === this.epoch) return m.hits;
    const hits = this.from(candidate.origin);
    this.memo.set(candidate, { epoch: this.epoch, hits });
    return hits;
  }

  /** What a fault of `origin` reaches among the nodes of interest; undefined when it reaches none of them. */
  from(origin: string): Hits | undefined {
    if (!this.closure.has(origin)) return undefined;
    let found = this.hits.get(origin);
    if (!found) {
      const { any, local } = searchBoth(this.graph, origin, this.closure);
      const anyHits = this.atInterest(any);
      const localHits = local === any ? anyHits : this.atInterest(local);
      const ids = new Set<number>();
      for (const node of anyHits.keys()) ids.add(this.interest.get(node)!);
      for (const node of localHits.keys()) ids.add(this.interest.get(node)!);
      found = { any: anyHits, local: localHits, ids: [...ids] };
      this.hits.set(origin, found);
    }
    return found;
  }

  private atInterest(found: Map<string, LinkedReach>): Map<string, LinkedReach> {
    const out = new Map<string, LinkedReach>();
    for (const [node, r] of found) if (this.interest.has(node)) out.set(node, r);
    return out;
  }
}

/**
 * Which evidence groups of one query each change can explain: the groups whose node its fault reaches (from the
 * cache), plus the groups of its namespace when that namespace is open and links are presumed.
 */
export class ReachIndex {
  private readonly groupsAt = new Map<string, number[]>();
  private readonly presumed = new Map<string, number[]>();
  /** Group indexes by the number of their node among the cache's nodes of interest. */
  private readonly byInterest: Array<number[] | undefined>;

  constructor(
    graph: DependencyGraph,
    groups: readonly EvidenceGroup[],
    private readonly cache: ReachCache = new ReachCache(graph),
  ) {
    groups.forEach((g, i) => {
      if (!this.groupsAt.has(g.node)) this.groupsAt.set(g.node, []);
      this.groupsAt.get(g.node)!.push(i);
      // presumedReach: same cluster and namespace (not cluster-scoped), by the namespace's openness.
      const [cluster, , ns] = g.node.split('/');
      if (ns === '_' || !(graph.namespaceOpenness(cluster, ns) > 0)) return;
      const k = namespaceKey(g.node);
      if (!this.presumed.has(k)) this.presumed.set(k, []);
      this.presumed.get(k)!.push(i);
    });
    cache.include(this.groupsAt.keys());
    this.byInterest = new Array<number[] | undefined>(cache.size);
    for (const [node, at] of this.groupsAt) this.byInterest[cache.idOf(node)!] = at;
  }

  /** Indexes of the groups a change may explain (reach > 0), ascending; do not modify. */
  groupsFrom(candidate: Candidate): readonly number[] {
    const presumed = this.presumed.size ? this.presumed.get(namespaceKey(candidate.origin)) : undefined;
    const found = this.cache.of(candidate);
    if (!found) return presumed ?? NONE;
    let out: number[] | undefined = presumed && [...presumed];
    for (const id of found.ids) {
      const at = this.byInterest[id];
      if (at) (out ??= []).push(...at);
    }
    if (!out) return NONE;
    return out.length > 1 ? [...new Set(out)].sort((a, b) => a - b) : out;
  }

  lookup(origin: string): ReachLookup {
    const found = this.cache.from(origin);
    if (!found) return NOWHERE;
    return { any: (node) => read(found.any, node), local: (node) => read(found.local, node) };
  }
}

function namespaceKey(node: string): string {
  const [cluster, , ns] = node.split('/');
  return `${cluster}/${ns}`;
}

function read(map: Map<string, LinkedReach>, node: string): Reach | undefined {
  const r = map.get(node);
  return r && toReach(r);
}
