// The CLI's public face for end-to-end tests: the command tree, the all-in-one and the replay pipeline.
export * from './all-in-one/all-in-one.app.js';
export * from './all-in-one/demo-incident.js';
export * from './main.js';
export * from './replay/replay.pipeline.js';
