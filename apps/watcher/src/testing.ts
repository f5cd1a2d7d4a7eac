// Internals the watcher's own tests build fixtures from (test/support/reflector-fixtures.ts), as a subpath of
// its own (#watcher/testing) so that nothing shipped reaches them by accident.
export * from './buffer/watch-item.js';
export * from './discovery/resource-filter.js';
export * from './reflector/reflector-sink.js';
export * from './reflector/reflector-state.js';
