import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { ObservedEngine, type CorrelationEngine } from '#correlation';
import { EVENT_LOG, type EventLog } from '#kafka';
import type { MetricsSource } from '#metrics';
import { CORRELATOR_CONFIG, type CorrelatorConfig } from './config/correlator.config.js';
import { CorrelatorRuntime, ENGINE_FEEDER, type EngineFeeder } from './correlator.runtime.js';
import { METRICS_SOURCE } from './metrics-source.token.js';
import { ChangeFeed } from './feed/change-feed.js';
import { ALERT_INTAKE, type AlertSink } from './http/alert-sink.js';
import { AlertmanagerWebhookController } from './http/alertmanager-webhook.controller.js';
import { IncidentTracker } from './incidents/incident-tracker.js';
import { defaultAlertSink, defaultEngine, defaultFeeder } from './correlator.defaults.js';

/** Injection token of the correlation engine every reader of the correlator goes through. */
export const CORRELATION_ENGINE = Symbol('CORRELATION_ENGINE');

export interface CorrelatorModuleOptions {
  /** The parsed settings (parseCorrelatorConfig), from the CORRELATOR_* environment or built in code. */
  config: CorrelatorConfig;
  /** The engine implementation; default: the ranking engine of libs/correlation. */
  engine?: () => CorrelationEngine;
  /** What feeds the engine from the log; default: the CorrelatorProcessor. */
  feeder?: (log: EventLog, engine: CorrelationEngine, config: CorrelatorConfig) => EngineFeeder;
  /** Where Alertmanager notifications go; default: the alert intake publishing to the anomalies topic. */
  alertSink?: (log: EventLog, config: CorrelatorConfig) => AlertSink;
  /** Where rankings read golden signals (a PrometheusMetricsSource); without it, watch events and alerts only. */
  metrics?: MetricsSource;
}

/**
 * The correlator role: engine, gRPC API, Alertmanager webhook, incidents and the optional hub forwarder.
 * Needs EVENT_LOG (EventLogModule.forRoot) in the root module; ObservabilityModule there adds /readyz.
 * An all-in-one root imports it beside the watcher and differ modules.
 */
@Module({})
export class CorrelatorModule {
  static forRoot(options: CorrelatorModuleOptions): DynamicModule {
    const providers: Provider[] = [
      { provide: CORRELATOR_CONFIG, useValue: options.config },
      { provide: METRICS_SOURCE, useValue: options.metrics ?? null },
      {
        provide: ObservedEngine,
        inject: [CORRELATOR_CONFIG],
        useFactory: (c: CorrelatorConfig) =>
          new ObservedEngine(options.engine ? options.engine() : defaultEngine(c)),
      },
      { provide: CORRELATION_ENGINE, useExisting: ObservedEngine },
      {
        provide: ChangeFeed,
        inject: [CORRELATOR_CONFIG],
        useFactory: (c: CorrelatorConfig) => new ChangeFeed(c.watch.replayBufferSize),
      },
      {
        provide: IncidentTracker,
        inject: [ObservedEngine, CORRELATOR_CONFIG],
        useFactory: (engine: ObservedEngine, c: CorrelatorConfig) => new IncidentTracker(engine, c.incidents),
      },
      {
        provide: ENGINE_FEEDER,
        inject: [EVENT_LOG, ObservedEngine, CORRELATOR_CONFIG],
        // The feeder gets the observed engine, so what it applies also reaches WatchChanges and incidents.
        useFactory: (log: EventLog, engine: ObservedEngine, c: CorrelatorConfig) =>
          (options.feeder ?? defaultFeeder)(log, engine, c),
      },
      {
        provide: ALERT_INTAKE,
        inject: [EVENT_LOG, CORRELATOR_CONFIG],
        useFactory: (log: EventLog, c: CorrelatorConfig) => (options.alertSink ?? defaultAlertSink)(log, c),
      },
      CorrelatorRuntime,
    ];
    return {
      module: CorrelatorModule,
      controllers: [AlertmanagerWebhookController],
      providers,
      exports: [CORRELATION_ENGINE, CORRELATOR_CONFIG, IncidentTracker, CorrelatorRuntime],
    };
  }
}
