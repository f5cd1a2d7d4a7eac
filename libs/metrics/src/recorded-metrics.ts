import { isGoldenSignal, type PodSeries, type WorkloadSignals } from './golden-signals.js';
import type { MetricsSource, WorkloadWindow } from './metrics-source.port.js';

/** One metric line of a recording (FORMAT.md, line type 3): the samples of one scrape interval. */
export interface RecordedInterval {
  /** The interval's end. */
  at: number;
  intervalMs: number;
  samples: ReadonlyArray<{ name: string; labels: Readonly<Record<string, string>>; value: number }>;
}

/** What was dropped while recording, for the replay's warnings. */
export interface RecordingRejects {
  unknownSignals: number;
  unlabelled: number;
  notFinite: number;
}

/**
 * The metrics of a recording, served like a Prometheus would serve them: per workload, per pod, per caller.
 * Samples are kept per workload as they arrive (interval order), so a query reads only its workload's series.
 */
export class RecordedMetrics implements MetricsSource {
  readonly description = 'the recording';
  private readonly byWorkload = new Map<string, Map<string, PodSeries>>();
  private intervalMs = 60_000;
  readonly rejects: RecordingRejects = { unknownSignals: 0, unlabelled: 0, notFinite: 0 };

  constructor(private readonly cluster: string) {}

  add(interval: RecordedInterval): void {
    this.intervalMs = interval.intervalMs;
    for (const s of interval.samples) {
      if (!isGoldenSignal(s.name)) {
        this.rejects.unknownSignals++;
        continue;
      }
      const { namespace, workload, pod, source_workload: caller } = s.labels;
      if (!namespace || !workload || !pod) {
        this.rejects.unlabelled++;
        continue;
      }
      if (typeof s.value !== 'number' || !Number.isFinite(s.value)) {
        this.rejects.notFinite++;
        continue;
      }
      const wKey = `${namespace}/${workload}`;
      let series = this.byWorkload.get(wKey);
      if (!series) this.byWorkload.set(wKey, (series = new Map()));
      const sKey = `${s.name}|${pod}|${caller ?? ''}`;
      let one = series.get(sKey);
      if (!one) {
        one = { signal: s.name, pod, ...(caller ? { sourceWorkload: caller } : {}), points: [] };
        series.set(sKey, one);
      }
      one.points.push({ t: interval.at, v: s.value });
    }
  }

  get size(): number {
    return this.byWorkload.size;
  }

  goldenSignals(w: WorkloadWindow): Promise<WorkloadSignals> {
    const series: PodSeries[] = [];
    for (const s of this.byWorkload.get(`${w.namespace}/${w.workload}`)?.values() ?? []) {
      const points = s.points.filter((p) => p.t >= w.from && p.t <= w.to);
      if (points.length > 0) series.push({ ...s, points });
    }
    return Promise.resolve({
      cluster: this.cluster,
      namespace: w.namespace,
      workload: w.workload,
      intervalMs: this.intervalMs,
      series,
    });
  }
}

/** Prometheus-style durations in metric lines: "60s", "1m", "500ms". */
export function parseInterval(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (!m) return undefined;
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  const ms = Number(m[1]) * unit;
  return ms > 0 ? ms : undefined;
}
