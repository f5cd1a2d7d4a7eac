// The differ's public face: what the CLI composes (all-in-one, replay) and what tests and benchmarks drive.
export * from './config/differ.config.js';
export * from './differ-app.module.js';
export * from './differ.handler.js';
export * from './differ.module.js';
export * from './differ.options.js';
export * from './differ.processor.js';
