import { z } from 'zod';
import { ObjectRefSchema } from './object-ref.js';

export const ANOMALY_SOURCES = ['pod-status', 'workload-status', 'k8s-event', 'alertmanager', 'api'] as const;

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
