import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { EventLogModule, KafkaConnectionSchema, KafkaEventLog, kafkaConnectionFromEnv } from '#kafka';
import { ObservabilityModule } from '#observability';
import { CorrelatorModule } from './correlator.module.js';

/**
 * The correlator role on its own, against Kafka: /healthz /readyz /metrics and the Alertmanager webhook on the
 * HTTP port, the gRPC API on its own port. The all-in-one root imports CorrelatorModule instead, beside the
 * watcher and differ modules, with one EventLogModule for all three.
 */
@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true }),
    EventLogModule.forRoot(
      () => new KafkaEventLog(KafkaConnectionSchema.parse(kafkaConnectionFromEnv(process.env))),
    ),
    ObservabilityModule,
    CorrelatorModule.forRoot(),
  ],
})
export class CorrelatorAppModule {}
