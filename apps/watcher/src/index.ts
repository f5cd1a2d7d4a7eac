// The watcher's public face: what the CLI composes (all-in-one, replay) and what tests and benchmarks drive.
// Everything else in apps/watcher is its own business; the lint forbids reaching into it from outside.
export * from './config/watcher.config.js';
export * from './publish/raw-event.publisher.js';
export * from './replay/scenario-replay.source.js';
export * from './watcher-app.module.js';
export * from './watcher.agent.js';
export * from './watcher.module.js';
