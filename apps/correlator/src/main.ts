import 'reflect-metadata';
import { pathToFileURL } from 'node:url';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import { componentLogger, PinoNestLogger } from '#observability';
import { CORRELATOR_CONFIG, type CorrelatorConfig } from './config/correlator.config.js';
import { CorrelatorAppModule } from './correlator-app.module.js';

const log = componentLogger('correlator');

/** Starts the correlator role against Kafka; resolves once the HTTP and gRPC ports listen. */
export async function bootstrapCorrelator(): Promise<INestApplication> {
  const app = await NestFactory.create(CorrelatorAppModule, {
    logger: new PinoNestLogger(),
    bufferLogs: true,
  });
  // SIGTERM from Kubernetes: streams end, the gRPC server drains, consumers leave their groups, Kafka closes.
  app.enableShutdownHooks();
  const config = app.get<CorrelatorConfig>(CORRELATOR_CONFIG);
  await app.listen(config.http.port, config.http.host);
  log.info(
    { http: `${config.http.host}:${config.http.port}`, grpcPort: config.grpc.port },
    'correlator started',
  );
  return app;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  bootstrapCorrelator().catch((err: unknown) => {
    log.fatal({ err: String(err) }, 'correlator failed to start');
    process.exitCode = 1;
  });
}
