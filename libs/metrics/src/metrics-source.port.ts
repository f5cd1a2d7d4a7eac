import type { WorkloadSignals } from './golden-signals.js';

export interface WorkloadWindow {
  cluster: string;
  namespace: string;
  /** The workload (Deployment, StatefulSet, ...) whose pods are asked for. */
  workload: string;
  from: number;
  to: number;
}

/**
 * Where the ranking reads the golden signals of pods: a Prometheus server in a cluster, or the metric lines of a
 * recording. Metrics are optional everywhere: without a source, the ranking uses watch events and alerts only.
 */
export interface MetricsSource {
  /** For logs and explanations: "prometheus http://...", "recording". */
  readonly description: string;
  /** The workload's pods' golden signals over the window; rejects when the source cannot answer. */
  goldenSignals(window: WorkloadWindow): Promise<WorkloadSignals>;
  /** Releases connections (on shutdown). */
  close?(): Promise<void>;
}
