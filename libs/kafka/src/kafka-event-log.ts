import { randomUUID } from 'node:crypto';
import {
  CompressionTypes,
  Kafka,
  logLevel,
  type Admin,
  type Consumer,
  type Producer,
  type LogEntry,
} from 'kafkajs';
import type { TopicSpec } from '#contracts';
import { componentLogger, histogram } from '#observability';
import { runBatch } from './batch-runner.js';
import { HandlingTurns } from './handling-turns.js';
import type {
  ConsumedRecord,
  ConsumeOptions,
  ConsumerHandle,
  EventLog,
  LogRecord,
  TopicPartition,
} from './event-log.port.js';
import { toKafkaJsConfig, type KafkaConnection } from './kafka-config.js';
import { toConsumedRecord } from './kafka-records.js';
import { readPartitionsToEnd } from './kafka-topic-reader.js';
import { createTopicsWithLeaders } from './topic-creation.js';
import { PartitionPreparation, tpKey } from './partition-preparation.js';

const log = componentLogger('kafka');
const publishSeconds = histogram({
  name: 'ia_kafka_publish_seconds',
  help: 'Time until a publish call is acknowledged by all in-sync replicas.',
  labelNames: ['topic'],
  buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
});

function kafkaJsLogger() {
  const levels: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
    [logLevel.ERROR]: 'error',
    [logLevel.WARN]: 'warn',
    [logLevel.INFO]: 'info',
    [logLevel.DEBUG]: 'debug',
  };
  return () =>
    ({ level, log: entry }: LogEntry) => {
      const { message, ...rest } = entry;
      // kafkajs reports transient coordinator moves as errors; they are retried, so they are warnings to us.
      log[level === logLevel.ERROR ? 'warn' : (levels[level] ?? 'info')](rest, `kafkajs: ${message}`);
    };
}

/** The production EventLog: kafkajs with an idempotent, acks=all producer and manual offset commits. */
export class KafkaEventLog implements EventLog {
  readonly kind = 'kafka' as const;
  private readonly kafka: Kafka;
  private producer?: Promise<Producer>;
  private admin?: Promise<Admin>;
  private readonly consumers = new Set<ConsumerHandle>();

  /** Topic and group names as Kafka sees them (with the installation's prefix). */
  private n(name: string): string {
    return this.conn.namespacePrefix + name;
  }

  constructor(private readonly conn: KafkaConnection) {
    this.kafka = new Kafka({
      ...toKafkaJsConfig(conn),
      logLevel: logLevel.WARN,
      logCreator: kafkaJsLogger(),
    });
  }

  private getProducer(): Promise<Producer> {
    this.producer ??= (async () => {
      const p = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
      });
      await p.connect();
      return p;
    })();
    return this.producer;
  }

  private getAdmin(): Promise<Admin> {
    this.admin ??= (async () => {
      const a = this.kafka.admin();
      await a.connect();
      return a;
    })();
    return this.admin;
  }

  async ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    const admin = await this.getAdmin();
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(this.n(s.name)));
    if (missing.length > 0) {
      await createTopicsWithLeaders(
        admin,
        missing.map((s) => ({
          topic: this.n(s.name),
          numPartitions: s.partitions,
          replicationFactor: -1,
          configEntries: [
            { name: 'cleanup.policy', value: s.cleanupPolicy },
            ...(s.cleanupPolicy === 'delete' ? [{ name: 'retention.ms', value: String(s.retentionMs) }] : []),
          ],
        })),
      );
      log.info({ topics: missing.map((s) => s.name) }, 'created topics');
    }
    for (const s of specs.filter((x) => existing.has(this.n(x.name)))) {
      const n = await this.partitionCount(s.name);
      if (n !== s.partitions) {
        log.warn(
          { topic: s.name, expected: s.partitions, actual: n },
          'topic has another partition count than the contract',
        );
      }
    }
  }

  async partitionCount(topic: string): Promise<number> {
    const admin = await this.getAdmin();
    const meta = await admin.fetchTopicMetadata({ topics: [this.n(topic)] });
    return meta.topics[0]?.partitions.length ?? 0;
  }

  async publish(topic: string, records: readonly LogRecord[]): Promise<void> {
    if (records.length === 0) return;
    const producer = await this.getProducer();
    const end = publishSeconds.startTimer({ topic });
    await producer.send({
      topic: this.n(topic),
      acks: -1,
      compression: this.conn.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
      messages: records.map((r) => ({
        key: r.key,
        value: r.value,
        headers: r.headers,
        partition: r.partition,
      })),
    });
    end();
  }

  async *readToEnd(topic: string, partitions?: readonly number[]): AsyncIterable<ConsumedRecord> {
    yield* readPartitionsToEnd({
      kafka: this.kafka,
      admin: await this.getAdmin(),
      kafkaTopic: this.n(topic),
      topic,
      groupId: this.n(`ia-reader-${randomUUID()}`),
      partitions,
    });
  }

  async consume(options: ConsumeOptions): Promise<ConsumerHandle> {
    const { groupId, handler } = options;
    const consumer: Consumer = this.kafka.consumer({
      groupId: this.n(groupId),
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
      maxBytesPerPartition: 4 * 1024 * 1024,
    });
    const preparation = new PartitionPreparation(handler);
    const turns = new HandlingTurns();
    /** The latest assignment, so the first batch of one new partition can prepare all new ones together. */
    let assigned = new Map<string, TopicPartition>();
    let stopping = false;
    let joined!: () => void;
    const joinedOnce = new Promise<void>((r) => (joined = r));
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      assigned = new Map(
        Object.entries(e.payload.memberAssignment).flatMap(([t, ps]) =>
          ps.map((p): [string, TopicPartition] => {
            const tp = { topic: this.strip(t), partition: p };
            return [tpKey(tp), tp];
          }),
        ),
      );
      // Partitions no longer ours must be rebuilt if they ever come back.
      for (const key of preparation.keys()) {
        if (!assigned.has(key)) {
          preparation.forget(key);
          const [topic, p] = [
            key.slice(0, key.lastIndexOf(':')),
            Number(key.slice(key.lastIndexOf(':') + 1)),
          ];
          void handler.release?.({ topic, partition: p });
        }
      }
      joined();
    });

    await consumer.connect();
    for (const topic of options.topics) {
      await consumer.subscribe({ topic: this.n(topic), fromBeginning: options.fromBeginning ?? true });
    }
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: options.partitionsConcurrently ?? 1,
      eachBatch: async ({ batch, heartbeat, resolveOffset, isRunning, isStale }) => {
        const topic = this.strip(batch.topic);
        const tp = { topic, partition: batch.partition };
        await preparation.ensure(tp, assigned, heartbeat);
        let next: string | undefined;
        try {
          await runBatch({
            groupId,
            records: batch.messages.map((m) => toConsumedRecord(topic, batch.partition, m)),
            handler,
            partition: tp,
            publish: (t, r) => this.publish(t, r),
            heartbeat,
            turns,
            isStopping: () => stopping || !isRunning() || isStale(),
            onRecordDone: (r) => {
              resolveOffset(r.offset);
              next = r.offset;
            },
          });
        } catch (err) {
          preparation.forget(tpKey(tp));
          throw err;
        }
        // The committed offset is the next one to read; computed once per batch, not per record.
        if (next !== undefined)
          await consumer.commitOffsets([
            { topic: batch.topic, partition: batch.partition, offset: (BigInt(next) + 1n).toString() },
          ]);
      },
    });

    const handle: ConsumerHandle = {
      ready: () => joinedOnce,
      stop: async () => {
        stopping = true;
        await consumer.disconnect();
        this.consumers.delete(handle);
      },
    };
    this.consumers.add(handle);
    return handle;
  }

  private strip(topic: string): string {
    return topic.startsWith(this.conn.namespacePrefix)
      ? topic.slice(this.conn.namespacePrefix.length)
      : topic;
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.stop()));
    if (this.producer) await (await this.producer).disconnect();
    if (this.admin) await (await this.admin).disconnect();
  }
}
