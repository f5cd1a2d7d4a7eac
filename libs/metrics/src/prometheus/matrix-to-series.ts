import type { GoldenSignal, MetricPoint, PodSeries } from '../golden-signals.js';
import type { MatrixSeries } from './prometheus-http-client.js';

export interface MatrixReading {
  series: PodSeries[];
  /** Series not used, by why. */
  dropped: { limit: number; unlabelled: number; duplicate: number };
  /** Points not used because they are NaN or infinite. */
  notFinite: number;
}

const isRequestSignal = (s: GoldenSignal) => s === 'request_success_ratio' || s === 'request_latency_ms';

/**
 * A matrix answer as one signal's pod series: only `pod` and (for request signals) `source_workload` are read of
 * each series' labels, however many it has; points are kept within [from, to], with `t` in ms (for a range query
 * the step's end, for a range-vector selector the sample's own time); NaN and infinities are dropped (0/0 when a
 * pod answered nothing). Series are taken in (pod, caller) order up to `maxSeries`. A template that returns
 * several series for one pod and caller is not aggregated as it must be: the first is kept, the others counted.
 */
export function matrixToSeries(
  signal: GoldenSignal,
  matrix: readonly MatrixSeries[],
  window: { from: number; to: number; maxSeries: number },
): MatrixReading {
  const reading: MatrixReading = {
    series: [],
    dropped: { limit: 0, unlabelled: 0, duplicate: 0 },
    notFinite: 0,
  };
  const keyed: Array<{ pod: string; caller?: string; values: MatrixSeries['values'] }> = [];
  for (const s of matrix) {
    const pod = s?.metric?.pod;
    if (typeof pod !== 'string' || pod === '' || !Array.isArray(s.values)) {
      reading.dropped.unlabelled++;
      continue;
    }
    const caller = isRequestSignal(signal) ? s.metric.source_workload || undefined : undefined;
    keyed.push({ pod, caller, values: s.values });
  }
  keyed.sort((a, b) => cmp(a.pod, b.pod) || cmp(a.caller ?? '', b.caller ?? ''));
  const seen = new Set<string>();
  for (const s of keyed) {
    const key = `${s.pod}\u0000${s.caller ?? ''}`;
    if (seen.has(key)) {
      reading.dropped.duplicate++;
      continue;
    }
    if (seen.size >= window.maxSeries) {
      reading.dropped.limit++;
      continue;
    }
    seen.add(key);
    const points: MetricPoint[] = [];
    for (const pair of s.values) {
      const t = Math.round(Number(pair?.[0]) * 1000);
      const v = Number(pair?.[1]);
      if (!Number.isFinite(v) || !Number.isFinite(t)) {
        reading.notFinite++;
        continue;
      }
      if (t < window.from || t > window.to) continue;
      points.push({ t, v });
    }
    if (points.length === 0) continue;
    points.sort((a, b) => a.t - b.t);
    reading.series.push({ signal, pod: s.pod, ...(s.caller ? { sourceWorkload: s.caller } : {}), points });
  }
  return reading;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
