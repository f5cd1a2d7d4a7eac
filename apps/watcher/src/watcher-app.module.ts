import { Module, type DynamicModule } from '@nestjs/common';
import { EventLogModule, KafkaEventLog, type KafkaConnection } from '#kafka';
import { ObservabilityModule } from '#observability';
import type { WatcherConfig } from './config/watcher.config.js';
import { WatcherModule } from './watcher.module.js';

/**
 * The watcher role on its own, against Kafka: /healthz, /readyz (every resource listed once) and /metrics on the
 * HTTP port. The all-in-one root imports WatcherModule instead, beside the differ and correlator modules.
 */
@Module({})
export class WatcherAppModule {
  static forRoot(settings: { kafka: KafkaConnection; config: WatcherConfig }): DynamicModule {
    return {
      module: WatcherAppModule,
      imports: [
        EventLogModule.forRoot(() => new KafkaEventLog(settings.kafka)),
        ObservabilityModule,
        WatcherModule.forRoot({ config: settings.config, maxMessageBytes: settings.kafka.maxMessageBytes }),
      ],
    };
  }
}
