import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { KafkaConfig as KafkaJsConfig, SASLOptions } from 'kafkajs';
import { flag, list, parseConfig, positiveInt, readEnv, type EnvLayoutFor } from '#config';

/**
 * Largest record (bytes) by default: the Java producer's max.request.size, which fits Kafka 4.1's default
 * message.max.bytes (1,048,588: 1 MiB plus a record batch's 12 bytes of overhead).
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_576;

/** Connection settings for a real Kafka cluster, shared by every role that runs against one. */
export const KafkaConnectionSchema = z.object({
  brokers: list(
    z
      .array(z.string().regex(/^[^:\s]+:\d+$/, 'a broker is host:port'), {
        error: (issue) =>
          issue.input === undefined ? 'required: a comma-separated list of host:port' : undefined,
      })
      .min(1, 'at least one host:port'),
  ),
  clientId: z.string().default('incident-assistant'),
  /** TLS when `enabled` or a CA is given (a private CA means TLS); the files are read at connect time. */
  ssl: z
    .object({
      enabled: flag.default(false),
      caFile: z.string().optional(),
      certFile: z.string().optional(),
      keyFile: z.string().optional(),
    })
    .optional()
    .transform((s) =>
      s && (s.enabled || s.caFile)
        ? { caFile: s.caFile, certFile: s.certFile, keyFile: s.keyFile }
        : undefined,
    ),
  /** SASL when a mechanism is set (a password alone, from an optional Secret, is not a request for SASL). */
  sasl: z.preprocess(
    (s) => (typeof s === 'object' && s !== null && 'mechanism' in s ? s : undefined),
    z
      .object({
        mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
        username: z.string().min(1),
        password: z.string().min(1),
      })
      .optional(),
  ),
  compression: z.enum(['none', 'gzip']).default('gzip'),
  /** Largest message the broker accepts (message.max.bytes); bigger records go to the dead-letter topic. */
  maxMessageBytes: positiveInt.min(64 * 1024).default(DEFAULT_MAX_MESSAGE_BYTES),
  /**
   * Prepended to every topic and consumer group name: several installations (or test runs) share one cluster
   * without seeing each other's records.
   */
  namespacePrefix: z
    .string()
    .regex(/^[a-zA-Z0-9._-]*$/)
    .default(''),
});
export type KafkaConnection = z.output<typeof KafkaConnectionSchema>;
export type KafkaConnectionInput = z.input<typeof KafkaConnectionSchema>;

/** The KAFKA_* variables behind each connection setting (docs/configuration.md). */
export const KAFKA_ENV = {
  brokers: 'KAFKA_BROKERS',
  clientId: 'KAFKA_CLIENT_ID',
  ssl: {
    enabled: 'KAFKA_TLS',
    caFile: 'KAFKA_TLS_CA_FILE',
    certFile: 'KAFKA_TLS_CERT_FILE',
    keyFile: 'KAFKA_TLS_KEY_FILE',
  },
  sasl: {
    mechanism: 'KAFKA_SASL_MECHANISM',
    username: 'KAFKA_SASL_USERNAME',
    password: 'KAFKA_SASL_PASSWORD',
  },
  compression: 'KAFKA_COMPRESSION',
  maxMessageBytes: 'KAFKA_MAX_MESSAGE_BYTES',
  namespacePrefix: 'KAFKA_NAMESPACE_PREFIX',
} satisfies EnvLayoutFor<KafkaConnectionInput>;

export function kafkaConnectionFromEnv(env: NodeJS.ProcessEnv): KafkaConnectionInput {
  return readEnv<KafkaConnectionInput>(env, KAFKA_ENV);
}

/** Parses the connection settings once per process; a bad one stops it with a message naming the variable. */
export function parseKafkaConnection(input: KafkaConnectionInput): KafkaConnection {
  return parseConfig(KafkaConnectionSchema, input, 'Kafka', KAFKA_ENV);
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
