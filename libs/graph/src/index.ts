export * from './address-references.js';
export * from './dependency-graph.js';
export * from './edge-inference.js';
export * from './label-selector.js';
export * from './node-id.js';
export * from './pod-spec-references.js';
export * from './propagation.js';
export * from './relations.js';
