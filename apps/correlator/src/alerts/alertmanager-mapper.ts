import { z } from 'zod';
import { stableId, type AnomalySignal, type SubjectRef } from '#contracts';

/** One alert of an Alertmanager webhook notification (format version 4). */
const AlertSchema = z.looseObject({
  status: z.enum(['firing', 'resolved']).optional(),
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()).optional(),
  startsAt: z.string().optional(),
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().optional(),
});

export const AlertmanagerPayloadSchema = z.looseObject({
  version: z.string().optional(),
  status: z.enum(['firing', 'resolved']).optional(),
  alerts: z.array(AlertSchema),
});
export type AlertmanagerPayload = z.infer<typeof AlertmanagerPayloadSchema>;

/** Labels naming a workload directly, by kind. */
const WORKLOAD_LABELS: ReadonlyArray<[string, string]> = [
  ['deployment', 'Deployment'],
  ['statefulset', 'StatefulSet'],
  ['daemonset', 'DaemonSet'],
  ['cronjob', 'CronJob'],
  ['job_name', 'Job'],
];

const POD_OF_DEPLOYMENT = /^(.+)-[bcdfghjklmnpqrstvwxz2456789]{6,10}-[bcdfghjklmnpqrstvwxz2456789]{5}$/;

function severityOf(label: string | undefined): AnomalySignal['severity'] {
  const s = (label ?? '').toLowerCase();
  if (['critical', 'error', 'page', 'high', 'p1', 'p2'].includes(s)) return 'critical';
  if (['info', 'none', 'low', 'informational'].includes(s)) return 'info';
  return 'warning';
}

function isoOr(value: string | undefined, fallback: string): string {
  const t = value ? Date.parse(value) : NaN;
  // Alertmanager's "zero" time (0001-01-01) means unset.
  return Number.isNaN(t) || t <= 0 ? fallback : new Date(t).toISOString();
}

/**
 * What an alert is about. The labels conventions of kube-state-metrics and most service dashboards: `pod`,
 * `deployment`/`statefulset`/..., `service` (the workload's name, FORMAT.md), Prometheus' `job` as a last resort
 * for the service. The workload is given by name and kind guess; the engine resolves the name against the graph
 * (a `service` label finds a Deployment, StatefulSet or the Service's backends).
 */
export function subjectOfAlert(
  labels: Record<string, string>,
  cluster: string,
): { subject: SubjectRef; workload?: SubjectRef } {
  const namespace = labels.namespace ?? labels.exported_namespace ?? null;
  const base = { cluster, namespace };
  let workload: SubjectRef | undefined;
  for (const [label, kind] of WORKLOAD_LABELS) {
    if (labels[label]) {
      workload = { ...base, kind, name: labels[label] };
      break;
    }
  }
  const service = labels.service ?? labels.app ?? labels.app_kubernetes_io_name;
  if (!workload && service) workload = { ...base, kind: 'Deployment', name: service };
  const podOwner = labels.pod ? POD_OF_DEPLOYMENT.exec(labels.pod)?.[1] : undefined;
  if (!workload && podOwner) workload = { ...base, kind: 'Deployment', name: podOwner };
  if (!workload && labels.job && namespace) workload = { ...base, kind: 'Deployment', name: labels.job };

  if (labels.pod) return { subject: { ...base, kind: 'Pod', name: labels.pod }, workload };
  if (workload && !labels.service) return { subject: workload, workload };
  if (service) return { subject: { ...base, kind: 'Service', name: service }, workload };
  const node = labels.node ?? labels.kubernetes_node;
  if (node) return { subject: { cluster, namespace: null, kind: 'Node', name: node } };
  return { subject: { ...base, kind: 'Alert', name: labels.alertname ?? 'unnamed' }, workload };
}

/**
 * Alertmanager v4 payload -> one AnomalySignal per alert. `startsAt` is the onset, the notification time is when
 * we learnt of it. The id is stable per alert occurrence and status (fingerprint, startsAt, status), so that a
 * repeated notification is recognised and a resolution is a distinct signal.
 */
export function alertsToSignals(payload: unknown, receivedAt: Date, cluster: string): AnomalySignal[] {
  const parsed = AlertmanagerPayloadSchema.parse(payload);
  const observedAt = receivedAt.toISOString();
  return parsed.alerts.map((alert) => {
    const labels = alert.labels;
    const status = alert.status ?? parsed.status ?? 'firing';
    const onset = isoOr(alert.startsAt, observedAt);
    const { subject, workload } = subjectOfAlert(labels, labels.cluster ?? cluster);
    const identity = alert.fingerprint ?? JSON.stringify(Object.entries(labels).sort());
    const message =
      alert.annotations?.summary ?? alert.annotations?.description ?? alert.annotations?.message;
    return {
      schemaVersion: 1 as const,
      anomalyId: stableId(subject.cluster, 'alertmanager', identity, onset, status),
      cluster: subject.cluster ?? cluster,
      source: 'alertmanager' as const,
      reason: labels.alertname ?? 'Alert',
      severity: severityOf(labels.severity),
      status,
      subject,
      ...(workload ? { workload } : {}),
      onset,
      observedAt,
      ...(message ? { message: message.slice(0, 1_000) } : {}),
      labels: {
        ...labels,
        ...(status === 'resolved' && alert.endsAt ? { endsAt: isoOr(alert.endsAt, observedAt) } : {}),
      },
    };
  });
}
