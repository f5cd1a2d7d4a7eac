export * from './prometheus-config.js';
export * from './query-templates.js';
