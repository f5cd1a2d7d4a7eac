import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { KafkaConfig as KafkaJsConfig, SASLOptions } from 'kafkajs';

/** Connection settings for a real Kafka cluster; read from env by each app's config schema. */
export const KafkaConnectionSchema = z.object({
  brokers: z.array(z.string().regex(/^[^:\s]+:\d+$/, 'broker must be host:port')).min(1),
  clientId: z.string().default('incident-assistant'),
  ssl: z
    .object({
      caFile: z.string().optional(),
      certFile: z.string().optional(),
      keyFile: z.string().optional(),
    })
    .optional(),
  sasl: z
    .object({
      mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
      username: z.string().min(1),
      password: z.string().min(1),
    })
    .optional(),
  compression: z.enum(['none', 'gzip']).default('gzip'),
  /** Largest message the broker accepts (message.max.bytes); bigger records go to the dead-letter topic. */
  maxMessageBytes: z.number().int().positive().default(1_048_576),
  /**
   * Prepended to every topic and consumer group name: several installations (or test runs) share one cluster
   * without seeing each other's records.
   */
  namespacePrefix: z
    .string()
    .regex(/^[a-zA-Z0-9._-]*$/)
    .default(''),
});
export type KafkaConnection = z.infer<typeof KafkaConnectionSchema>;

/** Reads KAFKA_* variables into a KafkaConnection (validated by the caller's schema). */
export function kafkaConnectionFromEnv(env: NodeJS.ProcessEnv): unknown {
  const brokers = env.KAFKA_BROKERS?.split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  const tls = env.KAFKA_TLS === 'true' || !!env.KAFKA_TLS_CA_FILE;
  return {
    brokers,
    clientId: env.KAFKA_CLIENT_ID,
    ssl: tls
      ? { caFile: env.KAFKA_TLS_CA_FILE, certFile: env.KAFKA_TLS_CERT_FILE, keyFile: env.KAFKA_TLS_KEY_FILE }
      : undefined,
    sasl: env.KAFKA_SASL_MECHANISM
      ? {
          mechanism: env.KAFKA_SASL_MECHANISM,
          username: env.KAFKA_SASL_USERNAME,
          password: env.KAFKA_SASL_PASSWORD,
        }
      : undefined,
    compression: env.KAFKA_COMPRESSION,
    maxMessageBytes: env.KAFKA_MAX_MESSAGE_BYTES ? Number(env.KAFKA_MAX_MESSAGE_BYTES) : undefined,
    namespacePrefix: env.KAFKA_NAMESPACE_PREFIX,
  };
}

export function toKafkaJsConfig(c: KafkaConnection): KafkaJsConfig {
  const read = (f?: string) => (f ? readFileSync(f, 'utf8') : undefined);
  return {
    clientId: c.clientId,
    brokers: c.brokers,
    ssl: c.ssl ? { ca: read(c.ssl.caFile), cert: read(c.ssl.certFile), key: read(c.ssl.keyFile) } : undefined,
    sasl: c.sasl as SASLOptions | undefined,
    retry: { initialRetryTime: 300, retries: 10 },
  };
}
