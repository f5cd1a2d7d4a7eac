import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ChangeEventSchema,
  ContractViolation,
  DLQ_HEADERS,
  TOPICS,
  decodeMessage,
  encodeMessage,
  type ChangeEvent,
} from '#contracts';
import { KafkaConnectionSchema, KafkaEventLog, type ConsumedRecord, type ConsumerHandle } from '#kafka';

const brokers = () => (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');

function newLog(prefix: string): KafkaEventLog {
  return new KafkaEventLog(
    KafkaConnectionSchema.parse({ brokers: brokers(), namespacePrefix: prefix, compression: 'gzip' }),
  );
}

function change(name: string, rv: number): ChangeEvent {
  return {
    schemaVersion: 1,
    changeId: `${name}-${rv}`,
    ref: {
      cluster: 'c1',
      group: 'apps',
      version: 'v1',
      kind: 'Deployment',
      resource: 'deployments',
      namespace: 'shop',
      name,
    },
    resourceVersion: String(rv),
    changedAt: new Date(Date.UTC(2025, 0, 1, 0, 0, rv)).toISOString(),
    operation: 'update',
    classes: ['image'],
    risk: 0.9,
    paths: [{ path: '/spec/template/spec/containers/0/image', op: 'replace', old: 'a:1', new: 'a:2' }],
    summary: 'image a:1 -> a:2',
    actor: { manager: 'kubectl-set', kind: 'human' },
  };
}

async function until(predicate: () => boolean, timeoutMs = 30_000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('KafkaEventLog against a real broker', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  it('keeps every event of one object in one partition, in order, and reads back what it published', async () => {
    const prefix = `t-${randomUUID().slice(0, 8)}.`;
    const log = newLog(prefix);
    cleanup.push(() => log.close());
    await log.ensureTopics([TOPICS.changes, TOPICS.deadLetter]);
    expect(await log.partitionCount(TOPICS.changes.name)).toBe(TOPICS.changes.partitions);

    const events = ['cart', 'checkout', 'frontend'].flatMap((n) => [1, 2, 3, 4].map((rv) => change(n, rv)));
    await log.publish(
      TOPICS.changes.name,
      events.map((e) => ({ key: `c1/apps/Deployment/shop/${e.ref.name}`, value: encodeMessage(e) })),
    );

    const seen: ConsumedRecord[] = [];
    const consumer = await log.consume({
      groupId: 'ordering',
      topics: [TOPICS.changes.name],
      handler: { handle: async (r) => void seen.push(r) },
    });
    cleanup.push(() => consumer.stop());
    await until(() => seen.length === events.length);

    for (const name of ['cart', 'checkout', 'frontend']) {
      const mine = seen.filter((r) => r.key?.endsWith(`/${name}`));
      expect(new Set(mine.map((r) => r.partition)).size).toBe(1);
      expect(
        mine.map((r) => decodeMessage('ChangeEvent', ChangeEventSchema, r.value).resourceVersion),
      ).toEqual(['1', '2', '3', '4']);
    }

    const restored: ConsumedRecord[] = [];
    for await (const r of log.readToEnd(TOPICS.changes.name)) restored.push(r);
    expect(restored).toHaveLength(events.length);
  });

  it('sends a malformed message to the dead-letter topic with its reason and keeps consuming', async () => {
    const prefix = `t-${randomUUID().slice(0, 8)}.`;
    const log = newLog(prefix);
    cleanup.push(() => log.close());
    await log.ensureTopics([TOPICS.changes, TOPICS.deadLetter]);

    const key = 'c1/apps/Deployment/shop/cart';
    await log.publish(TOPICS.changes.name, [
      { key, value: encodeMessage(change('cart', 1)) },
      { key, value: '{"schemaVersion":1,"this is":"not a change"' },
      { key, value: encodeMessage({ ...change('cart', 2), schemaVersion: 7 }) },
      { key, value: encodeMessage(change('cart', 3)) },
    ]);

    const accepted: string[] = [];
    let consumer: ConsumerHandle | undefined = await log.consume({
      groupId: 'dlq',
      topics: [TOPICS.changes.name],
      handler: {
        handle: async (r) => {
          accepted.push(decodeMessage('ChangeEvent', ChangeEventSchema, r.value).resourceVersion);
        },
      },
    });
    cleanup.push(() => consumer?.stop() ?? Promise.resolve());
    await until(() => accepted.length === 2);
    expect(accepted).toEqual(['1', '3']);

    let dead: ConsumedRecord[] = [];
    for (let i = 0; i < 100 && dead.length < 2; i++) {
      dead = [];
      for await (const r of log.readToEnd(TOPICS.deadLetter.name)) dead.push(r);
      if (dead.length < 2) await new Promise((r) => setTimeout(r, 200));
    }
    expect(dead).toHaveLength(2);
    expect(dead[0].headers[DLQ_HEADERS.reason]).toMatch(/ContractViolation: .*not JSON/);
    expect(dead[1].headers[DLQ_HEADERS.reason]).toMatch(/unknown schemaVersion 7/);
    expect(dead[0].headers[DLQ_HEADERS.sourceTopic]).toBe(TOPICS.changes.name);
    expect(dead[0].key).toBe(key);

    // Offsets were committed: a restarted consumer of the same group sees nothing again.
    await consumer.stop();
    consumer = undefined;
    const again: string[] = [];
    const second = await log.consume({
      groupId: 'dlq',
      topics: [TOPICS.changes.name],
      handler: { handle: async (r) => void again.push(r.offset) },
    });
    cleanup.push(() => second.stop());
    await log.publish(TOPICS.changes.name, [{ key, value: encodeMessage(change('cart', 4)) }]);
    await until(() => again.length >= 1);
    expect(again).toHaveLength(1);
  });

  it('writes plain JSON values and CloudEvents headers that any Kafka client reads', async () => {
    const prefix = `t-${randomUUID().slice(0, 8)}.`;
    const log = newLog(prefix);
    cleanup.push(() => log.close());
    await log.ensureTopics([TOPICS.changes]);
    await log.publish(TOPICS.changes.name, [
      { key: 'k', value: encodeMessage(change('cart', 1)), headers: { ce_id: 'x', ce_specversion: '1.0' } },
    ]);
    // A plain kafkajs consumer, outside our port, sees the prefixed topic with JSON and headers.
    const kafka = new Kafka({ brokers: brokers(), logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `${prefix}plain` });
    await consumer.connect();
    cleanup.push(() => consumer.disconnect());
    await consumer.subscribe({ topic: `${prefix}${TOPICS.changes.name}`, fromBeginning: true });
    const got: Array<{ value: string; ce: string }> = [];
    await consumer.run({
      eachMessage: async ({ message }) =>
        void got.push({ value: message.value!.toString(), ce: String(message.headers?.ce_specversion) }),
    });
    await until(() => got.length === 1);
    expect(JSON.parse(got[0].value).changeId).toBe('cart-1');
    expect(got[0].ce).toBe('1.0');
  });

  it('rejects an invalid envelope with a message that names the field', () => {
    const bad = encodeMessage({ ...change('cart', 1), changedAt: 'yesterday', classes: [] });
    expect(() => decodeMessage('ChangeEvent', ChangeEventSchema, bad)).toThrow(ContractViolation);
    expect(() => decodeMessage('ChangeEvent', ChangeEventSchema, bad)).toThrow(/changedAt/);
  });
});
