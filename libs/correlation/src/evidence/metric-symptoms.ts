import { stableId, type AnomalySignal } from '#contracts';
import { parseNodeId } from '#graph';
import type { WorkloadSignals } from '#metrics';
import type { MetricFinding } from './metric-finding.js';
import type { MetricProbe } from './metric-probes.js';
import { analyzeRevision } from './revision-canary.js';
import { analyzeShift } from './workload-shift.js';

/** What a metrics source answered for one ranking. */
export interface MetricEvidence {
  /** Per workload (`workloadKey`): its pods' golden signals over the window asked for. */
  signals: ReadonlyMap<string, WorkloadSignals>;
  /** Workloads the source could not answer for, and why: the ranking goes on without them and says so. */
  failures: ReadonlyArray<{ workload: string; reason: string }>;
  /** Where the metrics came from (for explanations): "the recording", "Prometheus at http://...". */
  source: string;
}

export const workloadKey = (w: { cluster: string; namespace: string; workload: string }) =>
  `${w.cluster}/${w.namespace}/${w.workload}`;

/** What the metric comparisons need of the cluster's pods (RevisionIndex through the engine). */
export interface PodFacts {
  /** The pods of a ReplicaSet, with when each became ready (if it did). */
  podsOf(workloadNode: string, replicaSet: string): ReadonlyArray<{ name: string; readyAt?: number }>;
  /** When a pod of the workload went away, if it did. */
  goneAt(workloadNode: string, pod: string): number | undefined;
}

/** A deviation the metrics show, as a symptom the ranking weighs like any other, and the finding behind it. */
export interface MetricSymptom {
  signal: AnomalySignal;
  finding: MetricFinding;
  probe: MetricProbe;
}

const REVISION_REASONS: Record<MetricFinding['kind'], string> = {
  errors: 'NewPodsFailing',
  silent: 'NewPodsSilent',
  latency: 'NewPodsSlow',
  cpu: 'NewPodsCpuSaturated',
  memory: 'NewPodsMemorySaturated',
};
const SHIFT_REASONS: Record<MetricFinding['kind'], string> = {
  errors: 'ErrorRateUp',
  silent: 'RequestsStopped',
  latency: 'LatencyUp',
  cpu: 'CpuSaturated',
  memory: 'MemorySaturated',
};

/**
 * Runs each probe's comparison on what the source answered and turns every finding into a symptom: a new
 * revision that fails where the old one does not is a symptom of that revision's pods (local: only what differs
 * between the revisions explains it), a workload that degraded after a change is a symptom of the workload
 * (propagating: a callee's fault shows the same way). Several probes of one workload give one symptom per kind,
 * comparison and revision (the earliest onset).
 */
export function metricSymptoms(
  probes: readonly MetricProbe[],
  evidence: MetricEvidence,
  pods: PodFacts,
  at: number,
): MetricSymptom[] {
  const out = new Map<string, MetricSymptom>();
  for (const probe of probes) {
    const ref = parseNodeId(probe.workload);
    const signals = evidence.signals.get(
      workloadKey({ cluster: ref.cluster, namespace: ref.namespace ?? '', workload: ref.name }),
    );
    if (!signals) continue;
    let findings: MetricFinding[];
    if (probe.kind === 'revision') {
      const known = pods.podsOf(probe.workload, probe.replicaSet);
      const readyAt = new Map(known.map((p) => [p.name, p.readyAt]));
      findings = analyzeRevision({
        signals,
        replicaSet: probe.replicaSet,
        pods: known.map((p) => p.name),
        readyAt: (pod) => readyAt.get(pod),
        goneAt: (pod) => pods.goneAt(probe.workload, pod),
        changeTime: probe.since,
        at,
      });
    } else {
      findings = analyzeShift({ signals, since: probe.since, at });
    }
    for (const finding of findings) {
      const id = `${probe.workload}|${finding.kind}|${finding.comparison}|${finding.revision ?? ''}`;
      const existing = out.get(id);
      if (existing && existing.finding.onset <= finding.onset) continue;
      out.set(id, { signal: toSignal(probe, finding, at), finding, probe });
    }
  }
  return [...out.values()].sort((a, b) => (a.signal.anomalyId < b.signal.anomalyId ? -1 : 1));
}

function toSignal(probe: MetricProbe, f: MetricFinding, at: number): AnomalySignal {
  const w = parseNodeId(probe.workload);
  const workload = { cluster: w.cluster, kind: w.kind, namespace: w.namespace, name: w.name };
  const subject =
    f.comparison === 'new-revision' && f.revision
      ? { cluster: w.cluster, kind: 'ReplicaSet', namespace: w.namespace, name: f.revision }
      : workload;
  const reason = (f.comparison === 'new-revision' ? REVISION_REASONS : SHIFT_REASONS)[f.kind];
  const onset = new Date(f.onset).toISOString();
  return {
    schemaVersion: 1,
    anomalyId: stableId(w.cluster, 'metrics', probe.workload, reason, f.revision ?? '', onset),
    cluster: w.cluster,
    source: 'metrics',
    reason,
    severity: f.kind === 'errors' || f.kind === 'silent' ? 'critical' : 'warning',
    status: 'firing',
    subject,
    workload,
    onset,
    observedAt: new Date(at).toISOString(),
    message: describeFinding(f, w.name),
    labels: {
      comparison: f.comparison,
      signal: f.signal,
      p: f.p.toPrecision(2),
      value: String(round(f.value)),
      baseline: String(round(f.baseline)),
      ...(f.revision ? { replicaSet: f.revision } : {}),
    },
  };
}

const round = (v: number) => Number(v.toPrecision(4));
const pct = (v: number) => `${(v * 100).toFixed(v >= 0.995 && v < 1 ? 1 : 0)}%`;
const minutes = (ms: number) => `${Math.max(1, Math.round(ms / 60_000))} min`;

/** One sentence an on-call engineer reads at a glance. */
export function describeFinding(f: MetricFinding, workload: string): string {
  const whose =
    f.comparison === 'new-revision'
      ? `new pods of ${workload} (${f.revision}, ${f.pods} pod${f.pods === 1 ? '' : 's'})`
      : `${workload}`;
  const against =
    f.comparison === 'new-revision'
      ? `the ${f.baselinePods} old pod${f.baselinePods === 1 ? '' : 's'}`
      : 'before the change';
  const span = minutes(f.to - f.from);
  const callers = f.callers
    .filter((c) => (f.kind === 'errors' ? c.value < c.baseline : c.value > c.baseline))
    .slice(0, 3)
    .map((c) =>
      f.kind === 'errors'
        ? `${c.caller} ${pct(c.value)} vs ${pct(c.baseline)}`
        : `${c.caller} ${Math.round(c.value)} vs ${Math.round(c.baseline)} ms`,
    );
  const byCaller = callers.length ? ` (calls from ${callers.join(', ')})` : '';
  const p = `p=${f.p < 0.001 ? f.p.toExponential(0) : f.p.toFixed(3)}`;
  switch (f.kind) {
    case 'errors':
      return `${cap(whose)} succeed ${pct(f.value)} of requests vs ${pct(f.baseline)} on ${against}${byCaller}, over ${span} (${p})`;
    case 'silent':
      return `${cap(whose)} answered no request in ${span} while ${against} answered theirs (${p})`;
    case 'latency':
      return `${cap(whose)} answer in ${Math.round(f.value)} ms (median) vs ${Math.round(f.baseline)} ms on ${against}${byCaller}, over ${span} (${p})`;
    case 'cpu':
      return `${cap(whose)} use ${pct(f.value)} of their CPU limit vs ${pct(f.baseline)} on ${against} (${p})`;
    case 'memory':
      return `${cap(whose)} reach ${pct(f.value)} of their memory limit vs ${pct(f.baseline)} on ${against} (${p})`;
  }
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
