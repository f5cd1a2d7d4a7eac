export * from './correlation-queries.js';
export * from './engine/causality-engine.js';
export * from './engine/idle-warmer.js';
export * from './engine/observed-engine.js';
