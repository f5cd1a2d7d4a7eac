import { describe, expect, it } from 'vitest';
import { ConfigError } from '#config';
import { DEFAULT_MAX_MESSAGE_BYTES, kafkaConnectionFromEnv, parseKafkaConnection } from './kafka-config.js';

const fromEnv = (env: NodeJS.ProcessEnv) => parseKafkaConnection(kafkaConnectionFromEnv(env));

describe('Kafka connection settings', () => {
  it('reads KAFKA_* with their defaults', () => {
    expect(fromEnv({ KAFKA_BROKERS: 'kafka-1:9092, kafka-2:9092' })).toEqual({
      brokers: ['kafka-1:9092', 'kafka-2:9092'],
      clientId: 'incident-assistant',
      compression: 'gzip',
      maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
      namespacePrefix: '',
    });
    expect(DEFAULT_MAX_MESSAGE_BYTES).toBe(1_048_576);
  });

  it('turns TLS on with KAFKA_TLS=true or a CA file, and SASL on with a mechanism', () => {
    expect(
      fromEnv({ KAFKA_BROKERS: 'k:9092', KAFKA_TLS: 'false', KAFKA_TLS_CERT_FILE: '/c' }).ssl,
    ).toBeUndefined();
    expect(fromEnv({ KAFKA_BROKERS: 'k:9092', KAFKA_TLS: 'true' }).ssl).toEqual({});
    expect(fromEnv({ KAFKA_BROKERS: 'k:9092', KAFKA_TLS_CA_FILE: '/ca.crt' }).ssl).toEqual({
      caFile: '/ca.crt',
    });
    // The manifests pass the SASL password from an optional Secret key: alone, it asks for nothing.
    expect(fromEnv({ KAFKA_BROKERS: 'k:9092', KAFKA_SASL_PASSWORD: 'pw' }).sasl).toBeUndefined();
    expect(
      fromEnv({
        KAFKA_BROKERS: 'k:9092',
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: 'ia',
        KAFKA_SASL_PASSWORD: 'pw',
      }).sasl,
    ).toEqual({ mechanism: 'scram-sha-512', username: 'ia', password: 'pw' });
  });

  it('says which setting is wrong and why when KAFKA_BROKERS is bad or missing', () => {
    expect(() => fromEnv({ KAFKA_BROKERS: 'kafka-1:9092,kafka-2' })).toThrow(ConfigError);
    expect(() => fromEnv({ KAFKA_BROKERS: 'kafka-1:9092,kafka-2' })).toThrow(
      'invalid Kafka configuration:\n✖ KAFKA_BROKERS: a broker is host:port\n  → at brokers[1]',
    );
    expect(() => fromEnv({})).toThrow(
      'invalid Kafka configuration:\n✖ KAFKA_BROKERS: required: a comma-separated list of host:port\n  → at brokers',
    );
    expect(() => fromEnv({ KAFKA_BROKERS: ' , ' })).toThrow('KAFKA_BROKERS: at least one host:port');
  });

  it('names the other KAFKA_* settings too', () => {
    expect(() => fromEnv({ KAFKA_BROKERS: 'k:9092', KAFKA_COMPRESSION: 'zstd' })).toThrow(
      /KAFKA_COMPRESSION: Invalid option/,
    );
    expect(() => fromEnv({ KAFKA_BROKERS: 'k:9092', KAFKA_MAX_MESSAGE_BYTES: '1MB' })).toThrow(
      /KAFKA_MAX_MESSAGE_BYTES: Invalid input/,
    );
    expect(() => fromEnv({ KAFKA_BROKERS: 'k:9092', KAFKA_SASL_MECHANISM: 'plain' })).toThrow(
      /KAFKA_SASL_USERNAME: Invalid input/,
    );
  });
});
