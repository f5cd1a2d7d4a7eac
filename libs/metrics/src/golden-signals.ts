/**
 * The four golden signals the ranking reads, per pod, as FORMAT.md's metric lines and the Prometheus query
 * templates name them. Request signals are per caller when the source knows it (service-mesh metrics do).
 */
export const GOLDEN_SIGNALS = [
  'request_success_ratio',
  'request_latency_ms',
  'container_cpu_usage_ratio',
  'container_memory_usage_ratio',
] as const;
export type GoldenSignal = (typeof GOLDEN_SIGNALS)[number];

export function isGoldenSignal(name: string): name is GoldenSignal {
  return (GOLDEN_SIGNALS as readonly string[]).includes(name);
}

export interface MetricPoint {
  /** End of the interval the value covers (ms since the epoch). */
  t: number;
  v: number;
}

/** One pod's series of one signal (and, for request signals, one caller's calls into it). */
export interface PodSeries {
  signal: GoldenSignal;
  pod: string;
  /** The calling workload; absent for outside traffic or when the source does not say. */
  sourceWorkload?: string;
  points: MetricPoint[];
}

/** The golden signals of one workload's pods over a window. */
export interface WorkloadSignals {
  cluster: string;
  namespace: string;
  workload: string;
  /** The width of one sample's interval (the scrape or rate window). */
  intervalMs: number;
  series: PodSeries[];
}
