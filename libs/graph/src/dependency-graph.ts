import { DirectedGraph } from 'graphology';
import { inferNamespaceEdges, type StoredObject } from './edge-inference.js';
import { nodeId, parseNodeId, TOP_WORKLOAD_KINDS, WORKLOAD_KINDS, type GraphRef } from './node-id.js';
import { ADDRESS_RELATIONS, RELATIONS, type Relation } from './relations.js';

export interface NodeAttributes {
  ref: GraphRef;
  /** False for nodes only known as the target of a reference (a Node, a ConfigMap not seen yet). */
  present: boolean;
}

export interface EdgeAttributes {
  relation: Relation;
  weight: number;
  call: boolean;
}

/** An edge seen from one end: the node at the other end and what the edge says. */
export interface Adjacent extends EdgeAttributes {
  node: string;
}

/** Objects that are not part of the dependency structure: signals and bookkeeping. */
const IGNORED_KINDS = new Set(['Event', 'Lease', 'Endpoints', 'EndpointSlice', 'ControllerRevision']);

const nsKeyOf = (ref: GraphRef) => `${ref.cluster}/${ref.namespace ?? '_'}`;
const byNodeId = (a: StoredObject, b: StoredObject) => (nodeId(a.ref) < nodeId(b.ref) ? -1 : 1);

/**
 * The cluster's dependency graph (graphology), inferred from the objects themselves and kept current as they are
 * upserted and removed. Every edge starts in the namespace of the object it is read from, so an object change
 * only re-derives its own namespace, lazily on the first query after it (selectors and addresses resolve against
 * whatever exists then), plus the namespaces whose addresses name a Service that appeared or disappeared. The
 * result is the graph a full rebuild would give: the same nodes, edges, attributes and out-edge order.
 */
export class DependencyGraph {
  private readonly objects = new Map<string, StoredObject>();
  private readonly namespaces = new Map<string, Map<string, StoredObject>>();
  private readonly services = new Map<string, Map<string, StoredObject>>();
  /** Edges derived from each namespace, to take them out when it is derived again. */
  private readonly derived = new Map<string, Array<[string, string]>>();
  /** Namespace -> the namespaces whose addresses name it (found or not). */
  private readonly referrers = new Map<string, Set<string>>();
  private readonly dirty = new Set<string>();
  /** Ids removed since the last derivation: they stay as placeholders while something still points at them. */
  private readonly removed = new Set<string>();
  private readonly built = new DirectedGraph<NodeAttributes, EdgeAttributes>();
  private readonly openness = new Map<string, number>();
  /** In- and out-neighbours as plain arrays, filled per node on demand: searches read them many times a query. */
  private readonly inAdjacency = new Map<string, Adjacent[]>();
  private readonly outAdjacency = new Map<string, Adjacent[]>();
  private revision = 0;

  upsert(ref: GraphRef, object: Record<string, unknown>): void {
    if (IGNORED_KINDS.has(ref.kind)) return;
    const id = nodeId(ref);
    const k = nsKeyOf(ref);
    const stored = { ref, object };
    const existed = this.objects.has(id);
    this.objects.set(id, stored);
    if (!this.namespaces.has(k)) this.namespaces.set(k, new Map());
    this.namespaces.get(k)!.set(id, stored);
    this.removed.delete(id);
    if (ref.kind === 'Service') {
      if (!this.services.has(k)) this.services.set(k, new Map());
      this.services.get(k)!.set(ref.name, stored);
      if (!existed) this.markReferrers(k);
    }
    this.dirty.add(k);
  }

  remove(ref: GraphRef): void {
    const id = nodeId(ref);
    if (!this.objects.delete(id)) return;
    const k = nsKeyOf(ref);
    this.namespaces.get(k)?.delete(id);
    if (ref.kind === 'Service') {
      this.services.get(k)?.delete(ref.name);
      this.markReferrers(k);
    }
    this.removed.add(id);
    this.dirty.add(k);
  }

  private markReferrers(k: string): void {
    for (const r of this.referrers.get(k) ?? []) this.dirty.add(r);
  }

  /** Whether any object of the namespace is (still) known. */
  hasNamespace(cluster: string, namespace: string | null): boolean {
    return (this.namespaces.get(`${cluster}/${namespace ?? '_'}`)?.size ?? 0) > 0;
  }

  has(id: string): boolean {
    return this.objects.has(id);
  }

  object(id: string): Record<string, unknown> | undefined {
    return this.objects.get(id)?.object;
  }

  /** The graphology graph, brought up to date if objects changed since the last query. */
  get graph(): DirectedGraph<NodeAttributes, EdgeAttributes> {
    if (this.dirty.size || this.removed.size) this.derive();
    return this.built;
  }

  /** Changes whenever the graph does: caches of searches over it are keyed by it. */
  get version(): number {
    void this.graph;
    return this.revision;
  }

  private derive(): void {
    const g = this.built;
    const maybeOrphans = new Set<string>();
    const dirty = [...this.dirty].sort();
    for (const k of dirty) {
      for (const [from, to] of this.derived.get(k) ?? []) {
        g.dropEdge(from, to);
        maybeOrphans.add(from).add(to);
      }
      this.derived.delete(k);
    }
    for (const id of this.removed) {
      if (!g.hasNode(id)) continue;
      g.replaceNodeAttributes(id, { ref: parseNodeId(id), present: false });
      maybeOrphans.add(id);
    }
    for (const k of dirty) {
      const objects = [...(this.namespaces.get(k)?.values() ?? [])].sort(byNodeId);
      for (const s of objects) {
        const id = nodeId(s.ref);
        if (g.hasNode(id)) g.replaceNodeAttributes(id, { ref: s.ref, present: true });
        else g.addNode(id, { ref: s.ref, present: true });
      }
      this.deriveNamespace(k, objects);
    }
    // A full rebuild keeps a node that is not an object only while an edge points at it.
    for (const id of maybeOrphans)
      if (g.hasNode(id) && !g.getNodeAttribute(id, 'present') && g.degree(id) === 0) g.dropNode(id);
    for (const k of dirty) if (this.namespaces.get(k)?.size === 0) this.namespaces.delete(k);
    this.dirty.clear();
    this.removed.clear();
    this.openness.clear();
    this.inAdjacency.clear();
    this.outAdjacency.clear();
    this.revision++;
  }

  private deriveNamespace(k: string, objects: readonly StoredObject[]): void {
    const g = this.built;
    const edges: Array<[string, string]> = [];
    for (const set of this.referrers.values()) set.delete(k);
    const lookup = (cluster: string, ns: string | null, name: string) =>
      this.services.get(`${cluster}/${ns ?? '_'}`)?.get(name);
    const onForeign = (cluster: string, ns: string | null) => {
      const target = `${cluster}/${ns ?? '_'}`;
      if (!this.referrers.has(target)) this.referrers.set(target, new Set());
      this.referrers.get(target)!.add(k);
    };
    inferNamespaceEdges(
      objects,
      lookup,
      (from, toRef, relation) => {
        const to = nodeId(toRef);
        if (from === to) return;
        if (!g.hasNode(from)) g.addNode(from, { ref: parseNodeId(from), present: false });
        if (!g.hasNode(to)) g.addNode(to, { ref: toRef, present: false });
        const { weight, call } = RELATIONS[relation];
        const existing = g.edge(from, to);
        if (existing === undefined) {
          g.addDirectedEdge(from, to, { relation, weight, call });
          edges.push([from, to]);
        } else if (g.getEdgeAttribute(existing, 'weight') < weight)
          g.replaceEdgeAttributes(existing, { relation, weight, call });
      },
      onForeign,
    );
    this.derived.set(k, edges);
  }

  /** The dependents of `id` (sources of its in-edges), in graphology's order; empty for an unknown node. */
  dependents(id: string): readonly Adjacent[] {
    const g = this.graph;
    let list = this.inAdjacency.get(id);
    if (!list) {
      list = [];
      if (g.hasNode(id)) for (const a of g.inEdgeEntries(id)) list.push({ node: a.source, ...a.attributes });
      this.inAdjacency.set(id, list);
    }
    return list;
  }

  /** What `id` depends on (targets of its out-edges), in graphology's order; empty for an unknown node. */
  dependencies(id: string): readonly Adjacent[] {
    const g = this.graph;
    let list = this.outAdjacency.get(id);
    if (!list) {
      list = [];
      if (g.hasNode(id)) for (const a of g.outEdgeEntries(id)) list.push({ node: a.target, ...a.attributes });
      this.outAdjacency.set(id, list);
    }
    return list;
  }

  /**
   * How little of a namespace's call graph the manifests reveal, in [0, 1]: 1 when no workload has an address
   * of another in its env or config (Sock Shop style), 0 when every workload takes part in such a call.
   */
  namespaceOpenness(cluster: string, namespace: string | null): number {
    const g = this.graph;
    const k = `${cluster}/${namespace ?? '_'}`;
    let value = this.openness.get(k);
    if (value === undefined) this.openness.set(k, (value = computeOpenness(g, this.namespaces.get(k))));
    return value;
  }

  /** The workload a pod or ReplicaSet belongs to, following owned-by edges to the top. */
  ownerWorkload(id: string): string {
    const g = this.graph;
    let current = id;
    for (let depth = 0; depth < 5 && g.hasNode(current); depth++) {
      const next = g.outEdges(current).find((e) => g.getEdgeAttribute(e, 'relation') === 'owned-by');
      if (!next) break;
      current = g.target(next);
    }
    return current;
  }

  /**
   * The workload an alert's `service` label (or a person) names: a Deployment/StatefulSet/... of that name, else
   * the workload behind the Service of that name. Undefined when nothing of that name exists.
   */
  resolveWorkload(
    cluster: string,
    namespace: string | null,
    name: string,
    kindHint?: string,
  ): string | undefined {
    const kinds =
      kindHint && WORKLOAD_KINDS.has(kindHint) ? [kindHint, ...TOP_WORKLOAD_KINDS] : TOP_WORKLOAD_KINDS;
    for (const kind of kinds) {
      const id = nodeId({ cluster, kind, namespace, name });
      if (this.objects.has(id)) return id;
    }
    const svc = nodeId({ cluster, kind: 'Service', namespace, name });
    if (this.objects.has(svc)) {
      const g = this.graph;
      const backend = g.outEdges(svc).find((e) => g.getEdgeAttribute(e, 'relation') === 'selects');
      return backend ? g.target(backend) : svc;
    }
    return undefined;
  }

  stats(): { resources: number; edges: number } {
    return { resources: this.objects.size, edges: this.graph.size };
  }
}

/**
 * One namespace's openness. Workloads count once each (those without an owner); a workload is covered when it
 * calls a Service by address or sits behind a Service that something calls by address. Everything involved lies
 * in the namespace (callers of its Services may not), so only its own nodes are visited.
 */
function computeOpenness(
  g: DirectedGraph<NodeAttributes, EdgeAttributes>,
  objects: ReadonlyMap<string, StoredObject> | undefined,
): number {
  let total = 0;
  const covered = new Set<string>();
  for (const [id, s] of objects ?? []) {
    if (!g.hasNode(id)) continue;
    let owned = false;
    g.forEachOutEdge(id, (_e, attrs) => {
      if (attrs.relation === 'owned-by') owned = true;
      if (ADDRESS_RELATIONS.has(attrs.relation)) covered.add(id);
    });
    if (TOP_WORKLOAD_KINDS.includes(s.ref.kind) && !owned) total++;
    let called = false;
    g.forEachInEdge(id, (_e, attrs) => {
      if (ADDRESS_RELATIONS.has(attrs.relation)) called = true;
    });
    if (called)
      g.forEachOutEdge(id, (_e, attrs, _source, target) => {
        if (attrs.relation === 'selects') covered.add(target);
      });
  }
  return total === 0 ? 1 : Math.max(0, 1 - covered.size / total);
}
