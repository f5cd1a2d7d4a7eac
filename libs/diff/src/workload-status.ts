import type { AnomalySignal } from '#contracts';
import { signal, subjectOf, timeOr, type StatusAnalysis, type StatusContext } from './signal.factory.js';

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/**
 * Deployment status transitions: `Progressing=False` (progress deadline exceeded), `Available=False`, and replicas
 * becoming unavailable (info: every rollout makes some briefly unavailable; the correlator weighs it).
 */
export function analyzeDeployment(ctx: StatusContext): StatusAnalysis {
  const status = (ctx.object.status ?? {}) as { conditions?: Condition[]; unavailableReplicas?: number };
  const prev = ctx.previous ?? {};
  const subject = subjectOf(ctx);
  const workload = { cluster: ctx.cluster, kind: ctx.kind, namespace: ctx.namespace, name: ctx.name };
  const base = {
    cluster: ctx.cluster,
    source: 'workload-status' as const,
    subject,
    workload,
    observedAt: ctx.observedAt,
  };
  const signals: AnomalySignal[] = [];
  const digest: Record<string, unknown> = {};

  for (const type of ['Progressing', 'Available'] as const) {
    const cond = status.conditions?.find((c) => c.type === type);
    const now = cond?.status;
    const before = prev[type] as string | undefined;
    digest[type] = now;
    const reason =
      type === 'Progressing' ? (cond?.reason ?? 'ProgressDeadlineExceeded') : 'DeploymentUnavailable';
    const onset = timeOr(cond?.lastTransitionTime, ctx.observedAt);
    if (now === 'False' && before !== 'False') {
      signals.push(
        signal({ ...base, reason, severity: 'critical', status: 'firing', onset, message: cond?.message }),
      );
    } else if (now === 'True' && before === 'False') {
      const prevReason =
        type === 'Progressing' ? String(prev.ProgressingReason ?? 'ProgressDeadlineExceeded') : reason;
      signals.push(
        signal({
          ...base,
          reason: prevReason,
          severity: 'critical',
          status: 'resolved',
          onset,
          message: cond?.message,
        }),
      );
    }
    if (type === 'Progressing' && now === 'False') digest.ProgressingReason = reason;
  }

  const unavailable = status.unavailableReplicas ?? 0;
  digest.unavailable = unavailable > 0;
  if (unavailable > 0 && prev.unavailable !== true) {
    signals.push(
      signal({
        ...base,
        reason: 'UnavailableReplicas',
        severity: 'info',
        status: 'firing',
        onset: ctx.observedAt,
        message: `${unavailable} replica(s) unavailable`,
      }),
    );
  }
  return { digest, signals };
}
