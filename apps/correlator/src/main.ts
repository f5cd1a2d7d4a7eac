import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { kafkaConnectionFromEnv, parseKafkaConnection } from '#kafka';
import { prometheusMetricsSourceFromEnv } from '#metrics';
import { runIfMain, startRole } from '#observability';
import { correlatorConfigFromEnv, parseCorrelatorConfig } from './config/correlator.config.js';
import { CorrelatorAppModule } from './correlator-app.module.js';

/** Starts the correlator role against Kafka (KAFKA_*, CORRELATOR_*); resolves once the HTTP and gRPC ports listen. */
export async function bootstrapCorrelator(env: NodeJS.ProcessEnv = process.env): Promise<INestApplication> {
  const kafka = parseKafkaConnection(kafkaConnectionFromEnv(env));
  const config = parseCorrelatorConfig(correlatorConfigFromEnv(env));
  // Optional: without PROMETHEUS_URL, rankings use watch events and alerts only (docs/metrics.md).
  const metrics = prometheusMetricsSourceFromEnv(env);
  return startRole({
    role: 'correlator',
    module: CorrelatorAppModule.forRoot({ kafka, config, metrics }),
    http: config.http,
    details: { grpc: `${config.grpc.host}:${config.grpc.port}`, metrics: metrics?.description ?? 'none' },
  });
}

runIfMain(import.meta.url, 'correlator', () => bootstrapCorrelator());
