/**
 * Edges point from a dependent to what it depends on ("frontend calls the cartservice Service", "cartservice
 * consumes the cart-config ConfigMap"). Failures travel the other way: a fault in a dependency shows up in its
 * dependents. Each relation says how much of a fault is expected to get through (`weight`) and whether it is a
 * network call between services (`call`): container-level symptoms (crash loops, OOM kills) stay in the workload
 * whose pods have them, while request-level symptoms (error rate, latency) travel up the call chain.
 */
export const RELATIONS = {
  'owned-by': {
    weight: 1,
    call: false,
    description: 'Pod -> ReplicaSet -> Deployment, Job -> CronJob (ownerReferences)',
  },
  'runs-on': { weight: 0.6, call: false, description: 'Pod -> Node it is scheduled on' },
  selects: {
    weight: 1,
    call: false,
    description: 'Service -> the workloads whose pods its selector matches',
  },
  calls: {
    weight: 0.85,
    call: true,
    description: 'workload -> Service it addresses in env, args or a consumed ConfigMap',
  },
  'calls-annotated': {
    weight: 0.9,
    call: true,
    description: 'workload -> Service named by incident-assistant.io/calls',
  },
  'calls-by-name': {
    weight: 0.7,
    call: true,
    description: 'workload -> Service its name or its credentials name points at (orders -> orders-db)',
  },
  'consumes-config': {
    weight: 1,
    call: false,
    description: 'workload -> ConfigMap (volume, envFrom, valueFrom)',
  },
  'consumes-secret': {
    weight: 1,
    call: false,
    description: 'workload -> Secret (volume, envFrom, valueFrom, pull secret)',
  },
  'uses-volume': { weight: 1, call: false, description: 'workload -> PersistentVolumeClaim' },
  'uses-service-account': { weight: 0.8, call: false, description: 'workload -> ServiceAccount' },
  'scaled-by': { weight: 0.9, call: false, description: 'workload -> HorizontalPodAutoscaler targeting it' },
  'restricted-by': { weight: 1, call: false, description: 'workload -> NetworkPolicy selecting its pods' },
  'routes-to': { weight: 1, call: false, description: 'Ingress -> Service backend' },
} as const satisfies Record<string, { weight: number; call: boolean; description: string }>;

export type Relation = keyof typeof RELATIONS;

/** Relations that come from addresses in the manifests: evidence that a namespace's call graph is visible. */
export const ADDRESS_RELATIONS: ReadonlySet<Relation> = new Set<Relation>(['calls', 'calls-annotated']);
