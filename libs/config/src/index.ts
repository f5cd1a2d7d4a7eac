export * from './cluster-id.js';
export * from './config-error.js';
export * from './env-layout.js';
export * from './env-values.js';
export * from './parse-config.js';
