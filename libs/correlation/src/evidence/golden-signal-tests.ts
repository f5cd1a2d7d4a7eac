import type { GoldenSignal, PodSeries } from '#metrics';
import type { MetricFinding } from './metric-finding.js';
import { rankTest, type Alternative } from './rank-test.js';

/** A finding needs p below this: four signals tested per change, a few changes per incident. */
export const SIGNIFICANCE = 0.01;

/**
 * How each golden signal is read. A difference must be surprising (the rank test) AND large enough that an on-call
 * engineer would call it a regression, because young pods legitimately differ from old ones: a freshly started
 * JVM answers in 3 ms where its warm siblings take 2, and uses a different share of its memory limit. So:
 *  - success: at least one request in a hundred more fails (the loosest SLO in common use is 99%);
 *  - latency: half again as slow, and at least 10 ms slower (what a caller's latency alert could notice);
 *  - CPU and memory: only saturation counts (90% of the limit): below it, usage says nothing of health.
 */
interface SignalReading {
  kind: MetricFinding['kind'];
  worse: Alternative;
  /** The summary compared and shown: mean for ratios of requests, median for latency, max for memory. */
  summary: (values: readonly number[]) => number;
  practical: (value: number, baseline: number) => boolean;
}

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const max = (xs: readonly number[]) => xs.reduce((m, x) => (x > m ? x : m), -Infinity);

export const READINGS: Record<GoldenSignal, SignalReading> = {
  request_success_ratio: {
    kind: 'errors',
    worse: 'less',
    summary: mean,
    practical: (v, b) => b - v >= 0.01,
  },
  request_latency_ms: {
    kind: 'latency',
    worse: 'greater',
    summary: median,
    practical: (v, b) => v >= 1.5 * b && v - b >= 10,
  },
  container_cpu_usage_ratio: {
    kind: 'cpu',
    worse: 'greater',
    summary: median,
    practical: (v, b) => v >= 0.9 && v > b,
  },
  container_memory_usage_ratio: {
    kind: 'memory',
    worse: 'greater',
    summary: max,
    practical: (v, b) => v >= 0.9 && v > b,
  },
};

/** One sample of a pod's series, with what it belongs to. */
export interface Sample {
  t: number;
  v: number;
  pod: string;
  caller?: string;
}

export function samplesOf(
  series: readonly PodSeries[],
  signal: GoldenSignal,
  keep: (s: Sample) => boolean,
): Sample[] {
  const out: Sample[] = [];
  for (const s of series) {
    if (s.signal !== signal) continue;
    for (const p of s.points) {
      if (!Number.isFinite(p.v)) continue;
      const sample = { t: p.t, v: p.v, pod: s.pod, caller: s.sourceWorkload };
      if (keep(sample)) out.push(sample);
    }
  }
  return out;
}

/**
 * Compares one signal's samples under test with a baseline; a finding when the difference is both significant
 * and practical. `comparison` and `revision` only label the result.
 */
export function compareSignal(
  signal: GoldenSignal,
  tested: readonly Sample[],
  baseline: readonly Sample[],
  label: Pick<MetricFinding, 'comparison' | 'revision'> & { intervalMs: number },
): MetricFinding | undefined {
  if (tested.length < 2 || baseline.length < 3) return undefined;
  const reading = READINGS[signal];
  const values = tested.map((s) => s.v);
  const base = baseline.map((s) => s.v);
  const value = reading.summary(values);
  const baselineValue = reading.summary(base);
  if (!reading.practical(value, baselineValue)) return undefined;
  const { p } = rankTest(values, base, reading.worse);
  if (!(p < SIGNIFICANCE)) return undefined;
  const deviates = (v: number) => (reading.worse === 'less' ? v < baselineValue : v > baselineValue);
  const first = [...tested].sort((a, b) => a.t - b.t).find((s) => deviates(s.v)) ?? tested[0];
  return {
    kind: reading.kind,
    signal,
    comparison: label.comparison,
    revision: label.revision,
    value,
    baseline: baselineValue,
    p,
    onset: first.t - label.intervalMs,
    from: Math.min(...tested.map((s) => s.t)) - label.intervalMs,
    to: Math.max(...tested.map((s) => s.t)),
    pods: new Set(tested.map((s) => s.pod)).size,
    baselinePods: new Set(baseline.map((s) => s.pod)).size,
    callers: byCaller(tested, baseline, reading.summary),
  };
}

function byCaller(
  tested: readonly Sample[],
  baseline: readonly Sample[],
  summary: (xs: readonly number[]) => number,
): MetricFinding['callers'] {
  const callers = [...new Set(tested.map((s) => s.caller).filter((c): c is string => !!c))].sort();
  const out: MetricFinding['callers'] = [];
  for (const caller of callers) {
    const t = tested.filter((s) => s.caller === caller).map((s) => s.v);
    const b = baseline.filter((s) => s.caller === caller).map((s) => s.v);
    if (t.length > 0 && b.length > 0) out.push({ caller, value: summary(t), baseline: summary(b) });
  }
  return out;
}
