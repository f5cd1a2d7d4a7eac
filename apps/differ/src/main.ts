import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { EventLogModule, KafkaConnectionSchema, KafkaEventLog, kafkaConnectionFromEnv } from '#kafka';
import { componentLogger, ObservabilityModule, PinoNestLogger } from '#observability';
import { differConfigFromEnv, parseDifferConfig } from './config/differ.config.js';
import { DifferModule } from './differ.module.js';

const log = componentLogger('differ-main');

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true }),
    ObservabilityModule,
    EventLogModule.forRoot(
      () => new KafkaEventLog(KafkaConnectionSchema.parse(kafkaConnectionFromEnv(process.env))),
    ),
    DifferModule.forRoot(),
  ],
})
class DifferRoleModule {}

/** Runs the differ role against Kafka: `node dist/apps/differ/src/main.js` (KAFKA_BROKERS, DIFFER_*). */
export async function bootstrapDiffer(): Promise<void> {
  const config = parseDifferConfig(differConfigFromEnv(process.env));
  const app = await NestFactory.create(DifferRoleModule, { logger: new PinoNestLogger(), bufferLogs: true });
  app.enableShutdownHooks();
  await app.listen(config.http.port, config.http.host);
  log.info({ port: config.http.port }, 'differ role listening (/healthz, /readyz, /metrics)');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  bootstrapDiffer().catch((err: unknown) => {
    log.fatal({ err: String(err) }, 'differ failed to start');
    process.exitCode = 1;
  });
}
