export * from './config/watcher.config.js';
export * from './watcher.agent.js';
export * from './watcher.module.js';
export * from './replay/scenario-replay.source.js';
