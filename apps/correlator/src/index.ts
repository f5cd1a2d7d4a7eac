// The correlator's public face: what the CLI composes (all-in-one, replay) and what tests and benchmarks drive.
export * from './alerts/alert-intake.js';
export * from './config/correlator.config.js';
export * from './correlator-app.module.js';
export * from './correlator.defaults.js';
export * from './correlator.module.js';
export * from './correlator.processor.js';
export * from './correlator.runtime.js';
export * from './feed/change-feed.js';
export * from './grpc/grpc-api.server.js';
export * from './grpc/incident-assistant.handlers.js';
export * from './http/alert-sink.js';
export * from './incidents/incident-tracker.js';
