import { z } from 'zod';
import { objectKey, ObjectRefSchema } from './object-ref.js';

/**
 * `metrics`: a deviation of golden signals the correlator found while ranking (a new revision's pods against the
 * old ones, a workload after a change against before); computed per query from Prometheus or a recording's
 * metric lines, never published.
 */
export const ANOMALY_SOURCES = [
  'pod-status',
  'workload-status',
  'k8s-event',
  'alertmanager',
  'api',
  'metrics',
] as const;

/** A partial reference: alerts and API callers often know only kind/namespace/name. */
export const SubjectRefSchema = ObjectRefSchema.partial().extend({
  kind: z.string().min(1),
  name: z.string().min(1),
});
export type SubjectRef = z.infer<typeof SubjectRefSchema>;

export const AnomalySignalSchema = z.object({
  schemaVersion: z.literal(1),
  /** Deterministic per (source, subject, reason, onset) so a re-delivered signal is recognisable. */
  anomalyId: z.string().min(1),
  cluster: z.string().min(1),
  source: z.enum(ANOMALY_SOURCES),
  /** CrashLoopBackOff, OOMKilled, ImagePullBackOff, NotReady, ProgressDeadlineExceeded, or an alert name. */
  reason: z.string().min(1),
  severity: z.enum(['critical', 'warning', 'info']),
  status: z.enum(['firing', 'resolved']),
  /** The resource the signal is about (Pod, Deployment, Node, or a Service named by an alert). */
  subject: SubjectRefSchema,
  /** The workload that owns the subject when known (Pod -> ReplicaSet -> Deployment). */
  workload: SubjectRefSchema.optional(),
  /** When the problem started (alert startsAt, container termination time, event firstTimestamp). */
  onset: z.iso.datetime({ offset: true }),
  /** When the product learnt of it. */
  observedAt: z.iso.datetime({ offset: true }),
  message: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
});
export type AnomalySignal = z.infer<typeof AnomalySignalSchema>;

const APPS_KINDS = new Set(['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet']);

/**
 * The Kafka key of an anomaly signal: the identity of the workload it concerns (else its subject), so every
 * signal about one workload lands in one partition, in order, wherever it came from (status, Events, alerts).
 * Alerts rarely name an API group; workload kinds get theirs so both sources key a Deployment alike.
 */
export function anomalyKey(s: Pick<AnomalySignal, 'cluster' | 'subject' | 'workload'>): string {
  const about = s.workload ?? s.subject;
  return objectKey({
    cluster: s.cluster,
    group: APPS_KINDS.has(about.kind) ? 'apps' : (about.group ?? ''),
    kind: about.kind,
    namespace: about.namespace ?? null,
    name: about.name,
  });
}
