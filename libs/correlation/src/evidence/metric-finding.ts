import type { GoldenSignal } from '#metrics';

/**
 * What the metrics say about one change: a deviation of the golden signals of the pods it created (a canary
 * comparison of the new revision against the old one), or of the workloads it touched (after against before).
 */
export interface MetricFinding {
  /** errors: fewer requests succeed; silent: ready pods answer none; latency: slower; cpu/memory: near the limit. */
  kind: 'errors' | 'silent' | 'latency' | 'cpu' | 'memory';
  signal: GoldenSignal;
  /** new-revision: new pods against old pods over the same minutes; after-change: after against before. */
  comparison: 'new-revision' | 'after-change';
  /** The ReplicaSet of the new pods (new-revision only). */
  revision?: string;
  /** Median of the pods under test and of the baseline (success as a ratio, latency in ms, usage as a ratio). */
  value: number;
  baseline: number;
  /** One-sided p-value of the test (rank test, or the silence test). */
  p: number;
  /** First interval end at which the pods under test deviated. */
  onset: number;
  /** The minutes compared. */
  from: number;
  to: number;
  pods: number;
  baselinePods: number;
  /** Per caller, where request series name one: success or latency of its calls into new vs baseline pods. */
  callers: Array<{ caller: string; value: number; baseline: number }>;
}
