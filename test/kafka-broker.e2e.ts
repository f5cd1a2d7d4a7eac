import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTopicsWithLeaders } from '#kafka';
import { kafkaBrokers, uniqueTopicPrefix } from './support/kafka.js';

describe('kafka broker harness', () => {
  const prefix = uniqueTopicPrefix('broker-check');
  const topic = `${prefix}.events`;
  const kafka = new Kafka({ clientId: prefix, brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();

  beforeAll(async () => {
    await admin.connect();
  });

  /** Five rounds of five topics of 12 partitions, as a service's start-up creates them. */
  const burst = Array.from({ length: 5 }, (_, i) =>
    Array.from({ length: 5 }, (_, j) => `${prefix}.burst-${i}-${j}`),
  );

  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic, ...burst.flat()] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('creates and lists a topic', async () => {
    const created = await createTopicsWithLeaders(admin, [{ topic, numPartitions: 2, replicationFactor: 1 }]);
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

  it('creates topics back to back, each with a leader for every partition when it returns', async () => {
    // A KRaft broker does not know a topic for a moment after creating it; kafkajs's waitForLeaders threw then.
    for (const names of burst) {
      const specs = names.map((name) => ({ topic: name, numPartitions: 12 }));
      expect(await createTopicsWithLeaders(admin, specs)).toBe(true);
      const { topics } = await admin.fetchTopicMetadata({ topics: names });
      for (const t of topics) expect(t.partitions.map((p) => p.leader >= 0)).toEqual(Array(12).fill(true));
    }
    // Created again: left alone, and said so.
    expect(await createTopicsWithLeaders(admin, [{ topic: burst[0][0], numPartitions: 12 }])).toBe(false);
  });
});
