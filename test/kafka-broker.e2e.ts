import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaBrokers, uniqueTopicPrefix } from './support/kafka.js';

describe('kafka broker harness', () => {
  const prefix = uniqueTopicPrefix('broker-check');
  const topic = `${prefix}.events`;
  const kafka = new Kafka({ clientId: prefix, brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();

  beforeAll(async () => {
    await admin.connect();
  });

  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('creates and lists a topic', async () => {
    const created = await admin.createTopics({
      topics: [{ topic, numPartitions: 2, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    expect(created).toBe(true);
    expect(await admin.listTopics()).toContain(topic);
    const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
    expect(metadata.partitions).toHaveLength(2);
  });

  it('round-trips a message through the topic', async () => {
    const producer = kafka.producer({ idempotent: true });
    const consumer = kafka.consumer({ groupId: `${prefix}.group` });
    await Promise.all([producer.connect(), consumer.connect()]);
    try {
      await producer.send({
        topic,
        acks: -1,
        messages: [{ key: 'k', value: JSON.stringify({ hello: 'kafka' }) }],
      });
      await consumer.subscribe({ topic, fromBeginning: true });
      const received = new Promise<string>((resolve) => {
        void consumer.run({ eachMessage: async ({ message }) => resolve(message.value?.toString() ?? '') });
      });
      expect(JSON.parse(await received)).toEqual({ hello: 'kafka' });
    } finally {
      await Promise.all([producer.disconnect(), consumer.disconnect()]);
    }
  });
});
