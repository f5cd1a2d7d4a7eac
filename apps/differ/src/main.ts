import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { kafkaConnectionFromEnv, parseKafkaConnection } from '#kafka';
import { runIfMain, startRole } from '#observability';
import { differConfigFromEnv, parseDifferConfig } from './config/differ.config.js';
import { DifferAppModule } from './differ-app.module.js';

/** Starts the differ role against Kafka (KAFKA_*, DIFFER_*); resolves once its HTTP port listens. */
export async function bootstrapDiffer(env: NodeJS.ProcessEnv = process.env): Promise<INestApplication> {
  const kafka = parseKafkaConnection(kafkaConnectionFromEnv(env));
  const config = parseDifferConfig(differConfigFromEnv(env));
  return startRole({ role: 'differ', module: DifferAppModule.forRoot({ kafka, config }), http: config.http });
}

runIfMain(import.meta.url, 'differ', () => bootstrapDiffer());
