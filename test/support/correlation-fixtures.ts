import {
  objectKey,
  riskPrior,
  stableId,
  type AnomalySignal,
  type ChangeClass,
  type ChangeEvent,
  type ObjectState,
} from '#contracts';

/** Hand-made inputs for engine tests: a small shop whose frontend calls cart, which reads cart-config. */
export const CLUSTER = 'c1';
export const NS = 'shop';

export function objectState(
  kind: string,
  name: string,
  object: Record<string, unknown>,
  namespace: string | null = NS,
): { key: string; state: ObjectState } {
  const group = ['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet'].includes(kind)
    ? 'apps'
    : kind === 'NetworkPolicy'
      ? 'networking.k8s.io'
      : '';
  const ref = {
    cluster: CLUSTER,
    group,
    version: 'v1',
    kind,
    resource: `${kind.toLowerCase()}s`,
    namespace,
    name,
  };
  return {
    key: objectKey(ref),
    state: {
      schemaVersion: 1,
      ref,
      resourceVersion: '1',
      observedAt: '2025-01-01T00:00:00.000Z',
      object: { kind, metadata: { name, namespace }, ...object },
    },
  };
}

export function deployment(
  name: string,
  env: Array<{ name: string; value?: string; valueFrom?: unknown }> = [],
  extra: Record<string, unknown> = {},
) {
  return objectState('Deployment', name, {
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'main', env, ...extra }] },
      },
    },
  });
}

export function service(name: string) {
  return objectState('Service', name, { spec: { selector: { app: name } } });
}

export function change(
  kind: string,
  name: string,
  at: string,
  classes: ChangeClass[],
  actor: ChangeEvent['actor']['kind'] = 'human',
  operation: ChangeEvent['operation'] = 'update',
): ChangeEvent {
  return {
    schemaVersion: 1,
    changeId: stableId(kind, name, at),
    ref: {
      cluster: CLUSTER,
      group: '',
      version: 'v1',
      kind,
      resource: `${kind.toLowerCase()}s`,
      namespace: NS,
      name,
    },
    resourceVersion: '2',
    changedAt: at,
    operation,
    classes,
    risk: riskPrior(classes),
    paths: [],
    summary: `${kind}/${name}: ${classes.join(', ')}`,
    actor: {
      manager:
        actor === 'controller' ? 'horizontal-pod-autoscaler' : actor === 'cd' ? 'helm' : 'kubectl-edit',
      kind: actor,
    },
  };
}

export function alert(service: string, reason: string, onset: string, observedAt = onset): AnomalySignal {
  return {
    schemaVersion: 1,
    anomalyId: stableId('alert', service, reason, onset),
    cluster: CLUSTER,
    source: 'alertmanager',
    reason,
    severity: 'critical',
    status: 'firing',
    subject: { cluster: CLUSTER, kind: 'Service', namespace: NS, name: service },
    workload: { cluster: CLUSTER, kind: 'Deployment', namespace: NS, name: service },
    onset,
    observedAt,
  };
}

export function podSignal(workload: string, reason: string, onset: string): AnomalySignal {
  return {
    schemaVersion: 1,
    anomalyId: stableId('pod', workload, reason, onset),
    cluster: CLUSTER,
    source: 'pod-status',
    reason,
    severity: 'critical',
    status: 'firing',
    subject: { cluster: CLUSTER, kind: 'Pod', namespace: NS, name: `${workload}-7d9f8b6c4d-x2x4z` },
    workload: { cluster: CLUSTER, kind: 'Deployment', namespace: NS, name: workload },
    onset,
    observedAt: onset,
  };
}
