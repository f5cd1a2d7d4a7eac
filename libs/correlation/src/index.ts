export * from './correlation-queries.js';
export * from './engine/causality-engine.js';
export * from './engine/idle-warmer.js';
export * from './engine/observed-engine.js';
export * from './evidence/metric-finding.js';
export * from './evidence/metric-symptoms.js';
export * from './evidence/rank-with-metrics.js';
