/**
 * What kind of change a ChangeEvent is. The risk prior is the probability-like weight the correlator gives a
 * change of that class before it looks at any evidence: how often a change of this class breaks things in the
 * incident studies we learn from (image and config changes dominate; replica and HPA bounds rarely break a
 * service unless they scale to zero, which has its own class). Documented in README's ranking section.
 */
export const CHANGE_CLASSES = {
  image: { risk: 0.9, description: 'container image (tag or digest) changed' },
  command: { risk: 0.8, description: 'container command or args changed' },
  env: { risk: 0.75, description: 'container environment variables changed' },
  'config-data': { risk: 0.75, description: 'ConfigMap data changed' },
  'secret-rotation': { risk: 0.7, description: 'Secret data changed (hashes differ; values never shown)' },
  resources: { risk: 0.65, description: 'container requests/limits changed' },
  'scale-to-zero': { risk: 0.95, description: 'replicas set to 0' },
  replicas: { risk: 0.2, description: 'replica count changed' },
  probes: { risk: 0.6, description: 'liveness/readiness/startup probe changed' },
  volumes: { risk: 0.6, description: 'volumes or mounts changed' },
  rbac: { risk: 0.55, description: 'Role/ClusterRole/binding or service account changed' },
  'network-policy': { risk: 0.8, description: 'NetworkPolicy created, changed or deleted' },
  'service-routing': { risk: 0.8, description: 'Service selector, ports or type changed' },
  'ingress-rules': { risk: 0.7, description: 'Ingress rules or backends changed' },
  autoscaling: { risk: 0.25, description: 'HPA bounds or metrics changed' },
  rollout: { risk: 0.3, description: 'rollout restart or strategy changed, pod template annotations' },
  scheduling: { risk: 0.45, description: 'nodeSelector, affinity, tolerations changed' },
  metadata: { risk: 0.05, description: 'labels or annotations only' },
  creation: { risk: 0.35, description: 'object created' },
  deletion: { risk: 0.6, description: 'object deleted' },
  other: { risk: 0.3, description: 'another spec change' },
} as const satisfies Record<string, { risk: number; description: string }>;

export type ChangeClass = keyof typeof CHANGE_CLASSES;
export const CHANGE_CLASS_NAMES = Object.keys(CHANGE_CLASSES) as [ChangeClass, ...ChangeClass[]];

export function riskPrior(classes: readonly ChangeClass[]): number {
  return classes.reduce((max, c) => Math.max(max, CHANGE_CLASSES[c].risk), 0);
}
