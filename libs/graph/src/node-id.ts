/** A resource in the dependency graph, as the graph names it: cluster, kind, namespace (null when cluster-scoped), name. */
export interface GraphRef {
  cluster: string;
  kind: string;
  namespace: string | null;
  name: string;
}

/**
 * Node ids carry the cluster, so one graph can hold several clusters without collisions. The API group is left
 * out on purpose: alerts and people name resources by kind and name only, and kinds do not collide in practice.
 */
export function nodeId(ref: GraphRef): string {
  return `${ref.cluster}/${ref.kind}/${ref.namespace ?? '_'}/${ref.name}`;
}

export function parseNodeId(id: string): GraphRef {
  const [cluster, kind, namespace, ...rest] = id.split('/');
  return { cluster, kind, namespace: namespace === '_' ? null : namespace, name: rest.join('/') };
}

/** Kinds that run pods: what alerts call a "service" and where pod anomalies are attributed. */
export const WORKLOAD_KINDS: ReadonlySet<string> = new Set([
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'CronJob',
  'Job',
  'ReplicaSet',
]);

/** The kinds that own pods directly or through ReplicaSets, in the order an alert's name is looked up. */
export const TOP_WORKLOAD_KINDS: readonly string[] = [
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'CronJob',
  'Job',
];
