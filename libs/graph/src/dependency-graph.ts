import { DirectedGraph } from 'graphology';
import { inferEdges, type StoredObject } from './edge-inference.js';
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

/** Objects that are not part of the dependency structure: signals and bookkeeping. */
const IGNORED_KINDS = new Set(['Event', 'Lease', 'Endpoints', 'EndpointSlice', 'ControllerRevision']);

/**
 * The cluster's dependency graph (graphology), inferred from the objects themselves and kept current as they are
 * upserted and removed. Edges are re-derived lazily, on the first query after a change, because selectors and
 * addresses resolve against whatever else exists (a Service created after its callers still gets their calls).
 */
export class DependencyGraph {
  private readonly objects = new Map<string, StoredObject>();
  private built = new DirectedGraph<NodeAttributes, EdgeAttributes>();
  private dirty = false;
  private openness = new Map<string, number>();

  upsert(ref: GraphRef, object: Record<string, unknown>): void {
    if (IGNORED_KINDS.has(ref.kind)) return;
    this.objects.set(nodeId(ref), { ref, object });
    this.dirty = true;
  }

  remove(ref: GraphRef): void {
    if (this.objects.delete(nodeId(ref))) this.dirty = true;
  }

  has(id: string): boolean {
    return this.objects.has(id);
  }

  object(id: string): Record<string, unknown> | undefined {
    return this.objects.get(id)?.object;
  }

  /** The graphology graph, rebuilt if objects changed since the last query. */
  get graph(): DirectedGraph<NodeAttributes, EdgeAttributes> {
    if (this.dirty) this.rebuild();
    return this.built;
  }

  private rebuild(): void {
    const g = new DirectedGraph<NodeAttributes, EdgeAttributes>();
    const stored = [...this.objects.values()].sort((a, b) => (nodeId(a.ref) < nodeId(b.ref) ? -1 : 1));
    for (const s of stored) g.addNode(nodeId(s.ref), { ref: s.ref, present: true });
    inferEdges(stored, (from, toRef, relation) => {
      const to = nodeId(toRef);
      if (from === to) return;
      if (!g.hasNode(from)) g.addNode(from, { ref: parseNodeId(from), present: false });
      if (!g.hasNode(to)) g.addNode(to, { ref: toRef, present: false });
      const { weight, call } = RELATIONS[relation];
      const existing = g.edge(from, to);
      if (existing === undefined) g.addDirectedEdge(from, to, { relation, weight, call });
      else if (g.getEdgeAttribute(existing, 'weight') < weight)
        g.replaceEdgeAttributes(existing, { relation, weight, call });
    });
    this.built = g;
    this.openness = computeOpenness(g);
    this.dirty = false;
  }

  /**
   * How little of a namespace's call graph the manifests reveal, in [0, 1]: 1 when no workload has an address
   * of another in its env or config (Sock Shop style), 0 when every workload takes part in such a call.
   */
  namespaceOpenness(cluster: string, namespace: string | null): number {
    void this.graph;
    return this.openness.get(`${cluster}/${namespace ?? '_'}`) ?? 1;
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

function computeOpenness(g: DirectedGraph<NodeAttributes, EdgeAttributes>): Map<string, number> {
  const total = new Map<string, number>();
  const covered = new Map<string, Set<string>>();
  const nsKey = (ref: GraphRef) => `${ref.cluster}/${ref.namespace ?? '_'}`;
  g.forEachNode((id, attrs) => {
    if (!attrs.present || !TOP_WORKLOAD_KINDS.includes(attrs.ref.kind)) return;
    if (g.outEdges(id).some((e) => g.getEdgeAttribute(e, 'relation') === 'owned-by')) return;
    total.set(nsKey(attrs.ref), (total.get(nsKey(attrs.ref)) ?? 0) + 1);
  });
  g.forEachEdge((_e, attrs, source, target, sAttrs, tAttrs) => {
    if (!ADDRESS_RELATIONS.has(attrs.relation)) return;
    const add = (ref: GraphRef, id: string) => {
      const k = nsKey(ref);
      if (!covered.has(k)) covered.set(k, new Set());
      covered.get(k)!.add(id);
    };
    add(sAttrs.ref, source);
    // The callee side is the Service; count the workloads behind it.
    for (const e of g.outEdges(target))
      if (g.getEdgeAttribute(e, 'relation') === 'selects') add(tAttrs.ref, g.target(e));
  });
  const out = new Map<string, number>();
  for (const [k, n] of total) out.set(k, n === 0 ? 1 : Math.max(0, 1 - (covered.get(k)?.size ?? 0) / n));
  return out;
}
