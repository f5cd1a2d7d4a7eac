import { CHANGE_CLASSES, type ChangeClass } from '#contracts';
import type { FlatChange } from './object-diff.js';

const RBAC_KINDS = new Set(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding', 'ServiceAccount']);

// Paths inside a pod spec, wherever the pod spec sits (Pod, workload template, CronJob's job template).
const POD_SPEC = String.raw`^(?:/spec/jobTemplate/spec/template|/spec/template)?/spec`;
const CONTAINER = String.raw`${POD_SPEC}/(?:initContainers|containers|ephemeralContainers)/\*`;

/** First match wins; order matters (image before the generic container rule). */
const POD_RULES: readonly [RegExp, ChangeClass][] = [
  [new RegExp(`${CONTAINER}(?:/image)?$`), 'image'],
  [new RegExp(`${CONTAINER}/(?:command|args)(?:/|$)`), 'command'],
  [new RegExp(`${CONTAINER}/(?:env|envFrom)(?:/|$)`), 'env'],
  [new RegExp(`${CONTAINER}/resources(?:/|$)`), 'resources'],
  [new RegExp(`${CONTAINER}/(?:liveness|readiness|startup)Probe(?:/|$)`), 'probes'],
  [new RegExp(`${CONTAINER}/volumeMounts(?:/|$)`), 'volumes'],
  [new RegExp(`${POD_SPEC}/volumes(?:/|$)`), 'volumes'],
  [
    new RegExp(
      `${POD_SPEC}/(?:nodeSelector|affinity|tolerations|topologySpreadConstraints|nodeName|priorityClassName|schedulerName|runtimeClassName)(?:/|$)`,
    ),
    'scheduling',
  ],
  [new RegExp(`${POD_SPEC}/(?:serviceAccountName|serviceAccount|automountServiceAccountToken)$`), 'rbac'],
  [/^\/spec\/template\/metadata(?:\/|$)/, 'rollout'],
  [
    /^\/spec\/(?:strategy|updateStrategy|minReadySeconds|progressDeadlineSeconds|revisionHistoryLimit|paused)(?:\/|$)/,
    'rollout',
  ],
];

/** Pointer with array indexes replaced by `*`, so rules do not care where an item sits. */
function shapeOf(change: FlatChange): string {
  return change.segments.map((s) => '/' + (typeof s === 'string' ? s : '*')).join('');
}

/** The class of one changed path of an object of `kind`. */
export function classifyPath(kind: string, change: FlatChange): ChangeClass {
  const shape = shapeOf(change);
  if (/^\/metadata(?:\/|$)/.test(shape))
    return RBAC_KINDS.has(kind) && !/^\/metadata\/(labels|annotations)/.test(shape) ? 'rbac' : 'metadata';
  switch (kind) {
    case 'ConfigMap':
      return /^\/(data|binaryData)(\/|$)/.test(shape) ? 'config-data' : 'other';
    case 'Secret':
      return /^\/(data|stringData|type)(\/|$)/.test(shape) ? 'secret-rotation' : 'other';
    case 'NetworkPolicy':
      return 'network-policy';
    case 'Service':
      return /^\/spec\/(selector|ports|type|externalName|clusterIP|sessionAffinity|externalTrafficPolicy|internalTrafficPolicy)(\/|$)/.test(
        shape,
      )
        ? 'service-routing'
        : 'other';
    case 'Ingress':
    case 'HTTPRoute':
    case 'Gateway':
      return 'ingress-rules';
    case 'HorizontalPodAutoscaler':
    case 'VerticalPodAutoscaler':
    case 'PodDisruptionBudget':
      return 'autoscaling';
  }
  if (RBAC_KINDS.has(kind)) return 'rbac';
  if (shape === '/spec/replicas') return change.new === 0 ? 'scale-to-zero' : 'replicas';
  for (const [re, cls] of POD_RULES) if (re.test(shape)) return cls;
  return 'other';
}

/** Most important first: by risk prior, then by name for a stable order. */
export function sortClasses(classes: Iterable<ChangeClass>): ChangeClass[] {
  return [...new Set(classes)].sort(
    (a, b) => CHANGE_CLASSES[b].risk - CHANGE_CLASSES[a].risk || a.localeCompare(b),
  );
}

export function classifyUpdate(kind: string, changes: readonly FlatChange[]): ChangeClass[] {
  return sortClasses(changes.map((c) => classifyPath(kind, c)));
}

/** Creations and deletions carry the class of what they do where that is riskier (a NetworkPolicy appears). */
export function classifyLifecycle(
  kind: string,
  op: 'create' | 'delete',
  object: Record<string, unknown>,
): ChangeClass[] {
  const classes: ChangeClass[] = [op === 'create' ? 'creation' : 'deletion'];
  if (kind === 'NetworkPolicy') classes.push('network-policy');
  else if (kind === 'Service') classes.push('service-routing');
  else if (kind === 'Ingress') classes.push('ingress-rules');
  else if (RBAC_KINDS.has(kind)) classes.push('rbac');
  else if (op === 'create' && (object.spec as { replicas?: unknown } | undefined)?.replicas === 0)
    classes.push('scale-to-zero');
  return sortClasses(classes);
}
