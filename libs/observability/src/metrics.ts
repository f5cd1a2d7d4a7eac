import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per process; all-in-one mode serves the metrics of all three roles from it. */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: 'ia_process_' });

type Labels<T extends string> = { name: string; help: string; labelNames?: readonly T[] };

/** Get-or-create, so that two instances of a component in one process (tests, all-in-one) share a metric. */
export function counter<T extends string>(cfg: Labels<T>): Counter<T> {
  return (
    (metricsRegistry.getSingleMetric(cfg.name) as Counter<T> | undefined) ??
    new Counter({ ...cfg, registers: [metricsRegistry] })
  );
}

export function gauge<T extends string>(cfg: Labels<T>): Gauge<T> {
  return (
    (metricsRegistry.getSingleMetric(cfg.name) as Gauge<T> | undefined) ??
    new Gauge({ ...cfg, registers: [metricsRegistry] })
  );
}

export function histogram<T extends string>(cfg: Labels<T> & { buckets?: number[] }): Histogram<T> {
  return (
    (metricsRegistry.getSingleMetric(cfg.name) as Histogram<T> | undefined) ??
    new Histogram({ ...cfg, registers: [metricsRegistry] })
  );
}
