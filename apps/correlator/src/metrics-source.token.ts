/** Injection token of the correlator's metrics source: a MetricsSource (Prometheus), or null without one. */
export const METRICS_SOURCE = Symbol('METRICS_SOURCE');
