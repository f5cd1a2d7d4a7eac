import { counter, gauge, histogram } from '#observability';

/**
 * The Prometheus client's own metrics. `template` is `<stack>/<signal>` (`istio/request_success_ratio`,
 * `override/request_latency_ms`): which query failed or is slow. Names follow `promtool check metrics`: counters end
 * in `_total`, durations are in seconds, the gauge has no `_total`.
 */
export const prometheusClientMetrics = {
  queries: counter({
    name: 'ia_prometheus_queries_total',
    help: 'Queries sent to Prometheus (retries included in one), by template and outcome (ok, http_4xx, http_5xx, timeout, unreachable, bad_response, credentials).',
    labelNames: ['template', 'outcome'],
  }),
  seconds: histogram({
    name: 'ia_prometheus_query_duration_seconds',
    help: 'Time to answer one query, retries and waiting for a free slot included.',
    labelNames: ['template', 'outcome'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  }),
  retries: counter({
    name: 'ia_prometheus_query_retries_total',
    help: 'Queries sent again after a 5xx or a network error.',
    labelNames: ['template'],
  }),
  inFlight: gauge({
    name: 'ia_prometheus_queries_in_flight',
    help: 'HTTP requests to Prometheus awaiting an answer.',
  }),
  cache: counter({
    name: 'ia_prometheus_cache_lookups_total',
    help: 'Lookups of a query answer in the cache: hit, inflight (joined a running query) or miss.',
    labelNames: ['result'],
  }),
  seriesDropped: counter({
    name: 'ia_prometheus_series_dropped_total',
    help: 'Series of an answer not used: over the series limit, without a pod label, or repeating a pod and caller.',
    labelNames: ['template', 'reason'],
  }),
  pointsDropped: counter({
    name: 'ia_prometheus_points_dropped_total',
    help: 'Points of an answer not used because they are NaN or infinite.',
    labelNames: ['template'],
  }),
  workloads: counter({
    name: 'ia_prometheus_workload_lookups_total',
    help: "A workload's golden signals asked of Prometheus, by outcome (ok, failed: the ranking goes on without them).",
    labelNames: ['outcome'],
  }),
};
