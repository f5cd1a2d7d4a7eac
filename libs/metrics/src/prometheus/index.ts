export * from './matrix-to-series.js';
export * from './prometheus-config.js';
export * from './prometheus-http-client.js';
export * from './prometheus-metrics-source.js';
export * from './query-templates.js';
