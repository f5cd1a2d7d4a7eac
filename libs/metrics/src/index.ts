export * from './golden-signals.js';
export * from './metrics-source.port.js';
export * from './prometheus/index.js';
export * from './recorded-metrics.js';
export * from './revision-summary.js';
