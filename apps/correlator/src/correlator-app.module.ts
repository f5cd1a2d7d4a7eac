import { Module, type DynamicModule } from '@nestjs/common';
import { EventLogModule, KafkaEventLog, type KafkaConnection } from '#kafka';
import type { MetricsSource } from '#metrics';
import { ObservabilityModule } from '#observability';
import type { CorrelatorConfig } from './config/correlator.config.js';
import { CorrelatorModule } from './correlator.module.js';

/**
 * The correlator role on its own, against Kafka: /healthz /readyz /metrics and the Alertmanager webhook on the
 * HTTP port, the gRPC API on its own port. The all-in-one root imports CorrelatorModule instead, beside the
 * watcher and differ modules, with one EventLogModule for all three.
 */
@Module({})
export class CorrelatorAppModule {
  static forRoot(settings: {
    kafka: KafkaConnection;
    config: CorrelatorConfig;
    metrics?: MetricsSource;
  }): DynamicModule {
    return {
      module: CorrelatorAppModule,
      imports: [
        EventLogModule.forRoot(() => new KafkaEventLog(settings.kafka)),
        ObservabilityModule,
        CorrelatorModule.forRoot({ config: settings.config, metrics: settings.metrics }),
      ],
    };
  }
}
