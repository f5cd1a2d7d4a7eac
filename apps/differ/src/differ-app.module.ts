import { Module, type DynamicModule } from '@nestjs/common';
import { EventLogModule, KafkaEventLog, type KafkaConnection } from '#kafka';
import { ObservabilityModule } from '#observability';
import type { DifferConfig } from './config/differ.config.js';
import { DifferModule } from './differ.module.js';

/**
 * The differ role on its own, against Kafka: /healthz, /readyz (state restored) and /metrics on the HTTP port.
 * The all-in-one root imports DifferModule instead, beside the watcher and correlator modules.
 */
@Module({})
export class DifferAppModule {
  static forRoot(settings: { kafka: KafkaConnection; config: DifferConfig }): DynamicModule {
    return {
      module: DifferAppModule,
      imports: [
        EventLogModule.forRoot(() => new KafkaEventLog(settings.kafka)),
        ObservabilityModule,
        DifferModule.forRoot({ config: settings.config, maxMessageBytes: settings.kafka.maxMessageBytes }),
      ],
    };
  }
}
