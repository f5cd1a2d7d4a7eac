import { GOLDEN_SIGNALS, type WorkloadSignals } from '#metrics';
import { compareSignal, samplesOf, SIGNIFICANCE, type Sample } from './golden-signal-tests.js';
import type { MetricFinding } from './metric-finding.js';

export interface RevisionCanaryInput {
  signals: WorkloadSignals;
  /** The ReplicaSet whose pods the change created: its pods are named `<replicaSet>-<suffix>`. */
  replicaSet: string;
  /** Its pods known from the cluster (a pod that never answered a request has no request series to find it by). */
  pods: readonly string[];
  /** When a pod became ready, if known (its Ready condition); otherwise its first sample stands for it. */
  readyAt: (pod: string) => number | undefined;
  /** When a pod went away, if it did and is known to have. */
  goneAt?: (pod: string) => number | undefined;
  changeTime: number;
  at: number;
}

/**
 * A fresh pod's first minute is not its steady state (JIT, caches, connection pools), as canary analyses know
 * (Kayenta's and Argo Rollouts' warm-up delay): its samples count from one full interval after it became ready.
 */
export const WARMUP_INTERVALS = 1;
/** When the old pods are gone (a finished rollout), the new ones are compared with the workload before the change. */
export const BEFORE_MS = 30 * 60_000;

/**
 * Canary analysis of a rollout after the fact: the new revision's pods against the old revision's pods over the
 * same minutes (both see the same traffic and the same dependencies, so a difference is the revision's), or
 * against the workload before the change when no old pod served alongside. Each golden signal is tested on its
 * own; and a new pod that is ready but answers no request while its siblings answer theirs is "silent" (requests
 * that hang or are refused leave no success or latency sample at all).
 */
export function analyzeRevision(input: RevisionCanaryInput): MetricFinding[] {
  const { signals, replicaSet, changeTime, at } = input;
  const interval = signals.intervalMs;
  const isNew = (pod: string) => pod.startsWith(`${replicaSet}-`);
  const firstSample = firstSampleTimes(signals);
  const warmFrom = (pod: string) => {
    const ready = input.readyAt(pod) ?? (firstSample.get(pod) ?? Infinity) - interval;
    return Math.max(ready, changeTime) + WARMUP_INTERVALS * interval;
  };
  const inWindow = (s: Sample) => s.t > changeTime && s.t <= at;
  const findings: MetricFinding[] = [];
  for (const signal of GOLDEN_SIGNALS) {
    const tested = samplesOf(
      signals.series,
      signal,
      (s) => isNew(s.pod) && inWindow(s) && s.t - interval >= warmFrom(s.pod),
    );
    if (tested.length === 0) continue;
    const from = Math.min(...tested.map((s) => s.t)) - interval;
    let baseline = samplesOf(signals.series, signal, (s) => !isNew(s.pod) && s.t > from && s.t <= at);
    if (baseline.length < 3)
      baseline = samplesOf(signals.series, signal, (s) => s.t > changeTime - BEFORE_MS && s.t <= changeTime);
    const f = compareSignal(signal, tested, baseline, {
      comparison: 'new-revision',
      revision: replicaSet,
      intervalMs: interval,
    });
    if (f) findings.push(f);
  }
  const silent = silence(input, isNew, warmFrom);
  if (silent) findings.push(silent);
  return findings;
}

function firstSampleTimes(signals: WorkloadSignals): Map<string, number> {
  const first = new Map<string, number>();
  for (const s of signals.series)
    for (const p of s.points) if (!(first.get(s.pod)! <= p.t)) first.set(s.pod, p.t);
  return first;
}

/**
 * A ready new pod with no request sample in intervals where its old siblings had theirs. A healthy new pod is
 * taken to be like one of its siblings: each sibling reports in an interval of its life with its own rate
 * ((reports + 0.5) / (intervals + 1): half a report of prior), and traffic need not be balanced (gRPC pins a
 * caller to one pod per connection, so some pods of a healthy workload see little). Under that null, the chance
 * that a new pod misses all of the k intervals it was due in is the mean over the siblings of (1 - rate)^k, and
 * for several silent new pods the product of theirs: the test's p-value.
 */
function silence(
  input: RevisionCanaryInput,
  isNew: (pod: string) => boolean,
  warmFrom: (pod: string) => number,
): MetricFinding | undefined {
  const { signals, changeTime, at } = input;
  const interval = signals.intervalMs;
  const requests = signals.series.filter(
    (s) => s.signal === 'request_success_ratio' || s.signal === 'request_latency_ms',
  );
  const reported = new Map<string, Set<number>>();
  const times = new Set<number>();
  for (const s of requests)
    for (const p of s.points) {
      if (p.t > at) continue;
      times.add(p.t);
      if (!reported.has(s.pod)) reported.set(s.pod, new Set());
      reported.get(s.pod)!.add(p.t);
    }
  const ticks = [...times].sort((a, b) => a - b);
  const newPods = [...new Set([...input.pods, ...podsOfRevision(signals, isNew)])].filter(isNew);
  // Each old pod's reporting rate over its life in the window (first to last report).
  const siblings = [...reported.entries()]
    .filter(([pod]) => !isNew(pod))
    .map(([pod, at]) => {
      const first = Math.min(...at);
      const gone = input.goneAt?.(pod);
      // Its life: from its first report to when it went away, else to the end of the window (a pod that
      // reported little is a pod that saw little traffic, not a pod that is gone).
      const end = gone ?? Infinity;
      const life = ticks.filter((t) => t >= first && t <= end).length;
      return { rate: (at.size + 0.5) / (life + 1), gone };
    });
  if (newPods.length === 0 || siblings.length === 0) return undefined;
  let p = 1;
  let onset: number | undefined;
  let silentPods = 0;
  for (const pod of newPods) {
    if (reported.has(pod)) continue; // it answered something: not silent
    if (input.readyAt(pod) === undefined) continue; // not known to be ready: a missing series says nothing
    const from = warmFrom(pod);
    const dueTicks = ticks.filter((t) => t > changeTime && t - interval >= from);
    if (dueTicks.length === 0) continue;
    const k = dueTicks.length;
    const alive = siblings.filter((s) => s.gone === undefined || s.gone >= dueTicks[0]);
    const pool = alive.length > 0 ? alive : siblings;
    p *= pool.reduce((sum, s) => sum + (1 - s.rate) ** k, 0) / pool.length;
    silentPods++;
    onset = Math.min(onset ?? Infinity, dueTicks[0] - interval);
  }
  if (silentPods === 0 || !(p < SIGNIFICANCE) || onset === undefined) return undefined;
  return {
    kind: 'silent',
    signal: 'request_success_ratio',
    comparison: 'new-revision',
    revision: input.replicaSet,
    value: 0,
    baseline: siblings.reduce((sum, s) => sum + s.rate, 0) / siblings.length,
    p,
    onset,
    from: onset,
    to: at,
    pods: silentPods,
    baselinePods: siblings.filter((s) => s.gone === undefined || s.gone >= onset!).length || siblings.length,
    callers: [],
  };
}

/** Pods of the revision known from any series (CPU and memory are reported even when no request arrives). */
function podsOfRevision(signals: WorkloadSignals, isNew: (pod: string) => boolean): string[] {
  return [...new Set(signals.series.map((s) => s.pod).filter(isNew))];
}
