import { parseApiVersion, type AnomalySignal, type SubjectRef } from '#contracts';
import { signal, timeOr, type StatusAnalysis, type StatusContext } from './signal.factory.js';
import { workloadOfName } from './workload.js';

interface KubeEvent {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  firstTimestamp?: string | null;
  lastTimestamp?: string | null;
  eventTime?: string | null;
  series?: { count?: number; lastObservedTime?: string };
  involvedObject?: { kind?: string; namespace?: string; name?: string; uid?: string; apiVersion?: string };
  regarding?: KubeEvent['involvedObject'];
}

const CLUSTER_SCOPED = new Set([
  'Node',
  'Namespace',
  'PersistentVolume',
  'ClusterRole',
  'ClusterRoleBinding',
  'StorageClass',
]);

/**
 * Core Events are anomaly signals, never changes. Warning events only; a new Event is one occurrence, and a
 * repeated Event (same object, `count` up) is another one, starting at its lastTimestamp.
 */
export function analyzeEvent(ctx: StatusContext): StatusAnalysis {
  const e = ctx.object as KubeEvent;
  const count = e.series?.count ?? e.count ?? 1;
  const digest = { count };
  if (e.type !== 'Warning') return { digest, signals: [] };
  const prevCount = ctx.previous?.count as number | undefined;
  if (prevCount !== undefined && count <= prevCount) return { digest, signals: [] };

  const involved = e.involvedObject ?? e.regarding ?? {};
  const kind = involved.kind ?? 'Unknown';
  const name = involved.name ?? ctx.name;
  const { group, version } = parseApiVersion(involved.apiVersion ?? 'v1');
  const subject: SubjectRef = {
    cluster: ctx.cluster,
    group,
    version,
    kind,
    namespace: CLUSTER_SCOPED.has(kind) ? null : (involved.namespace ?? ctx.namespace),
    name,
    ...(involved.uid ? { uid: involved.uid } : {}),
  };
  const owner = workloadOfName(kind, name);
  const workload = owner
    ? { cluster: ctx.cluster, kind: owner.kind, namespace: subject.namespace, name: owner.name }
    : undefined;
  const repeated = prevCount !== undefined;
  const onset = repeated
    ? timeOr(e.series?.lastObservedTime ?? e.lastTimestamp, ctx.observedAt)
    : timeOr(e.firstTimestamp ?? e.eventTime ?? e.lastTimestamp, ctx.observedAt);
  const out: AnomalySignal = signal({
    cluster: ctx.cluster,
    source: 'k8s-event',
    reason: e.reason ?? 'Warning',
    severity: 'warning',
    status: 'firing',
    subject,
    workload,
    onset,
    observedAt: ctx.observedAt,
    message: e.message,
    labels: { event: ctx.name, count: String(count) },
    idParts: [ctx.uid ?? ctx.name, String(count)],
  });
  return { digest, signals: [out] };
}
