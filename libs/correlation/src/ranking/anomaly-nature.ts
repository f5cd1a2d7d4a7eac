import type { AnomalySignal } from '#contracts';
import { bayesFactorBound } from '../evidence/rank-test.js';

/**
 * How a symptom travels. `local` symptoms are about a workload's own containers (crash loops, OOM kills, failing
 * probes, unavailable replicas): a fault in a service it calls rarely causes them, so only changes to the workload
 * itself or to what it mounts explain them well. `propagating` symptoms are request-level (error rate, latency,
 * availability): a callee's fault shows up in every caller up the chain.
 */
export type AnomalyNature = 'local' | 'propagating';

const LOCAL_ALERT =
  /^kube|crashloop|oom|restart|replicas|notready|podnotready|containerwaiting|throttl|hpamax|imagepull|evict|memory|cpu|disk|job(failed)?/i;

export function natureOf(a: AnomalySignal): AnomalyNature {
  if (a.source === 'pod-status' || a.source === 'workload-status') return 'local';
  if (a.source === 'k8s-event') return 'local';
  // A new revision failing where the old one, beside it on the same traffic, does not: only what differs
  // between the revisions explains it. A workload degrading after a change: as a request-level alert would.
  if (a.source === 'metrics') return a.labels?.comparison === 'new-revision' ? 'local' : 'propagating';
  if (a.source === 'alertmanager') return LOCAL_ALERT.test(a.reason) ? 'local' : 'propagating';
  return 'propagating';
}

/** Signals that every healthy rollout or routine capacity swing produces; they say little about a fault. */
const ROUTINE_REASONS: Record<string, number> = {
  UnavailableReplicas: 0.03,
  ScalingReplicaSet: 0.03,
  ContainerRestarted: 0.4,
  CPUThrottlingHigh: 0.15,
  KubeHpaMaxedOut: 0.15,
  KubeHpaReplicasMismatch: 0.15,
  FailedGetResourceMetric: 0.05,
  FailedComputeMetricsReplicas: 0.05,
};

const SEVERITY_WEIGHT: Record<AnomalySignal['severity'], number> = { critical: 1, warning: 0.6, info: 0.2 };

/**
 * How much one signal counts as evidence of an incident, in (0, 1]: its severity, discounted for signals that
 * routine operations produce. Node-level signals (an OOM kill reported on a Node) count for little: they name a
 * machine, and the pod-level signal of the same kill is already there.
 */
export function evidenceWeight(a: AnomalySignal): number {
  const routine = ROUTINE_REASONS[a.reason] ?? 1;
  const node = a.subject.kind === 'Node' ? 0.2 : 1;
  return SEVERITY_WEIGHT[a.severity] * routine * node * testStrength(a);
}

/**
 * A deviation found by a statistical test counts by how much its p-value can say: 1 - 1/B, with B the bound on
 * the Bayes factor the p-value carries (rank-test.ts). p = 0.01 counts 0.87 of an alert of the same severity,
 * p = 1e-4 0.997: a test barely past the threshold is weaker evidence than an alert a person wrote a rule for.
 */
function testStrength(a: AnomalySignal): number {
  if (a.source !== 'metrics') return 1;
  const p = Number(a.labels?.p);
  return Number.isFinite(p) ? 1 - 1 / bayesFactorBound(p) : 1;
}
