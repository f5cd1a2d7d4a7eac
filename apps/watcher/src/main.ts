import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventLogModule, KafkaConnectionSchema, KafkaEventLog, kafkaConnectionFromEnv } from '#kafka';
import { componentLogger, ObservabilityModule, PinoNestLogger } from '#observability';
import { watcherSettingsFromEnv } from './config/watcher.config.js';
import { WatcherModule } from './watcher.module.js';

const log = componentLogger('watcher-main');

/**
 * The watcher role against Kafka: validates its environment (a clear error and exit 1 when something is
 * missing, such as IA_SECRET_HMAC_KEY), then serves /healthz, /readyz and /metrics on WATCHER_HTTP_PORT.
 */
export async function bootstrapWatcher(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const settings = watcherSettingsFromEnv(env);
  const kafka = KafkaConnectionSchema.parse(kafkaConnectionFromEnv(env));

  @Module({
    imports: [
      ObservabilityModule,
      EventLogModule.forRoot(() => new KafkaEventLog(kafka)),
      WatcherModule.forRoot(settings, { maxMessageBytes: kafka.maxMessageBytes }),
    ],
  })
  class WatcherAppModule {}

  const app = await NestFactory.create(WatcherAppModule, { logger: new PinoNestLogger() });
  app.enableShutdownHooks();
  await app.listen(settings.httpPort);
  log.info({ port: settings.httpPort, cluster: settings.cluster }, 'watcher started');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  bootstrapWatcher().catch((err: unknown) => {
    log.fatal({ err: err instanceof Error ? err.message : String(err) }, 'watcher failed to start');
    process.exitCode = 1;
  });
}
