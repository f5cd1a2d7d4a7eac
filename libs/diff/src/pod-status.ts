import type { AnomalySignal, SubjectRef } from '#contracts';
import { signal, subjectOf, timeOr, type StatusAnalysis, type StatusContext } from './signal.factory.js';
import { workloadOfObject } from './workload.js';

/** Waiting reasons that mean a container cannot run, with how bad they are. */
const BAD_WAITING: Record<string, AnomalySignal['severity']> = {
  CrashLoopBackOff: 'critical',
  ImagePullBackOff: 'critical',
  ErrImagePull: 'warning',
  CreateContainerConfigError: 'critical',
  CreateContainerError: 'critical',
  InvalidImageName: 'critical',
  RunContainerError: 'critical',
};

interface ContainerStatus {
  name?: string;
  restartCount?: number;
  state?: { waiting?: { reason?: string; message?: string }; terminated?: Terminated };
  lastState?: { terminated?: Terminated };
}
interface Terminated {
  reason?: string;
  finishedAt?: string;
  startedAt?: string;
  exitCode?: number;
}
interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}
interface ContainerDigest {
  w?: string;
  t?: string;
  r?: number;
}
interface PodDigest {
  ready?: string;
  notReady?: boolean;
  sched?: string;
  c: Record<string, ContainerDigest>;
}

/**
 * Pod status transitions: containers that cannot start or keep crashing, OOM kills, restarts, readiness lost,
 * scheduling failures. Only what changed since the remembered digest is signalled.
 */
export function analyzePod(ctx: StatusContext): StatusAnalysis {
  const status = (ctx.object.status ?? {}) as {
    conditions?: Condition[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
  const prev = (ctx.previous ?? { c: {} }) as unknown as PodDigest;
  const prevC = prev.c ?? {};
  const subject: SubjectRef = subjectOf(ctx);
  const owner = workloadOfObject(ctx.object, 'Pod');
  const workload = owner
    ? { cluster: ctx.cluster, kind: owner.kind, namespace: ctx.namespace, name: owner.name }
    : undefined;
  const base = {
    cluster: ctx.cluster,
    source: 'pod-status' as const,
    subject,
    workload,
    observedAt: ctx.observedAt,
  };
  const signals: AnomalySignal[] = [];
  const digest: PodDigest = { c: {} };

  for (const cs of [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])]) {
    const name = String(cs.name ?? '');
    const before = prevC[name] ?? {};
    const terminated = cs.lastState?.terminated ?? cs.state?.terminated;
    const now: ContainerDigest = {
      w: cs.state?.waiting?.reason,
      t: terminated?.reason ? `${terminated.reason}@${terminated.finishedAt ?? ''}` : undefined,
      r: cs.restartCount ?? 0,
    };
    digest.c[name] = now;
    const labels = { container: name };
    const waiting = now.w;
    if (waiting && BAD_WAITING[waiting] && waiting !== before.w) {
      const onset =
        waiting === 'CrashLoopBackOff' ? timeOr(terminated?.finishedAt, ctx.observedAt) : ctx.observedAt;
      signals.push(
        signal({
          ...base,
          reason: waiting,
          severity: BAD_WAITING[waiting],
          status: 'firing',
          onset,
          labels,
          message: cs.state?.waiting?.message,
          idParts: [name],
        }),
      );
    }
    if (terminated?.reason === 'OOMKilled' && now.t !== before.t) {
      signals.push(
        signal({
          ...base,
          reason: 'OOMKilled',
          severity: 'critical',
          status: 'firing',
          onset: timeOr(terminated.finishedAt, ctx.observedAt),
          labels,
          message: `container ${name} was OOM-killed (exit code ${terminated.exitCode ?? 137})`,
          idParts: [name],
        }),
      );
    }
    if (ctx.previous && before.r !== undefined && (now.r ?? 0) > before.r) {
      signals.push(
        signal({
          ...base,
          reason: 'ContainerRestarted',
          severity: 'warning',
          status: 'firing',
          onset: timeOr(cs.lastState?.terminated?.finishedAt, ctx.observedAt),
          labels,
          message: `container ${name} restarted (restartCount ${before.r} -> ${now.r})${terminated?.reason ? `, last termination: ${terminated.reason}` : ''}`,
          idParts: [name, String(now.r)],
        }),
      );
    }
  }

  const ready = status.conditions?.find((c) => c.type === 'Ready');
  digest.ready = ready?.status;
  // A pod being deleted (a scale-down, a rollout replacing it) stops being ready on purpose: not a symptom.
  const terminating = !!(ctx.object.metadata as { deletionTimestamp?: string } | undefined)
    ?.deletionTimestamp;
  // A new pod is not ready while it starts: only a pod that was ready and lost it is signalled.
  if (prev.ready === 'True' && ready?.status === 'False' && !terminating) {
    digest.notReady = true;
    signals.push(
      signal({
        ...base,
        reason: 'NotReady',
        severity: 'warning',
        status: 'firing',
        onset: timeOr(ready.lastTransitionTime, ctx.observedAt),
        message: ready.message,
      }),
    );
  } else if (prev.notReady && ready?.status === 'True') {
    signals.push(
      signal({
        ...base,
        reason: 'NotReady',
        severity: 'warning',
        status: 'resolved',
        onset: timeOr(ready.lastTransitionTime, ctx.observedAt),
      }),
    );
  } else if (prev.notReady && ready?.status !== 'True') {
    digest.notReady = true;
  }

  const scheduled = status.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False') {
    digest.sched = scheduled.reason ?? 'Unschedulable';
    if (digest.sched !== prev.sched) {
      signals.push(
        signal({
          ...base,
          reason: 'FailedScheduling',
          severity: 'warning',
          status: 'firing',
          onset: timeOr(scheduled.lastTransitionTime, ctx.observedAt),
          message: scheduled.message,
        }),
      );
    }
  }
  return { digest: digest as unknown as Record<string, unknown>, signals };
}
