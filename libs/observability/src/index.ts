export * from './logger.js';
export * from './metrics.js';
export * from './nest-logger.js';
export * from './observability.module.js';
export * from './readiness.registry.js';
export * from './role-bootstrap.js';
