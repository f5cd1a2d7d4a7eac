import { TOP_WORKLOAD_KINDS, type DependencyGraph } from '#graph';

interface WorkloadIndex {
  /** The graph's version the index was read from: any object change makes a new one. */
  version: number;
  /** `cluster/namespace` -> the ids of its present top-level workloads, sorted. */
  byNamespace: Map<string, string[]>;
}

const indexes = new WeakMap<DependencyGraph, WorkloadIndex>();

/**
 * The top-level workloads (Deployments, StatefulSets, ...) present in one namespace, sorted by id. The graph
 * offers no listing by namespace, so the first call after the graph changed reads every node once and keeps the
 * result for that graph version; every further call (one per candidate in an open namespace) costs only the
 * namespace. Without it, each candidate would scan the whole graph (50,000 resources).
 */
export function namespaceWorkloads(
  graph: DependencyGraph,
  cluster: string,
  namespace: string,
): readonly string[] {
  const version = graph.version;
  let index = indexes.get(graph);
  if (!index || index.version !== version) {
    index = { version, byNamespace: new Map() };
    const byNamespace = index.byNamespace;
    graph.graph.forEachNode((id, { ref, present }) => {
      if (!present || !TOP_WORKLOAD_KINDS.includes(ref.kind)) return;
      const key = `${ref.cluster}/${ref.namespace ?? '_'}`;
      const list = byNamespace.get(key);
      if (list) list.push(id);
      else byNamespace.set(key, [id]);
    });
    for (const list of byNamespace.values()) list.sort();
    indexes.set(graph, index);
  }
  return index.byNamespace.get(`${cluster}/${namespace}`) ?? [];
}
