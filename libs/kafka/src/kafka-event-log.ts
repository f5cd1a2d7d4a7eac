import { randomUUID } from 'node:crypto';
import {
  CompressionTypes,
  Kafka,
  logLevel,
  type Admin,
  type Consumer,
  type Producer,
  type LogEntry,
  type IHeaders,
} from 'kafkajs';
import type { TopicSpec } from '#contracts';
import { componentLogger, histogram } from '#observability';
import { runBatch } from './batch-runner.js';
import type { ConsumedRecord, ConsumeOptions, ConsumerHandle, EventLog, LogRecord } from './event-log.port.js';
import { toKafkaJsConfig, type KafkaConnection } from './kafka-config.js';

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

function headersOf(h: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.map(String).join(',') : String(v);
  }
  return out;
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
    this.kafka = new Kafka({ ...toKafkaJsConfig(conn), logLevel: logLevel.WARN, logCreator: kafkaJsLogger() });
  }

  private getProducer(): Promise<Producer> {
    this.producer ??= (async () => {
      const p = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
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
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((s) => ({
          topic: this.n(s.name),
          numPartitions: s.partitions,
          replicationFactor: -1,
          configEntries: [
            { name: 'cleanup.policy', value: s.cleanupPolicy },
            ...(s.cleanupPolicy === 'delete' ? [{ name: 'retention.ms', value: String(s.retentionMs) }] : []),
          ],
        })),
      });
      log.info({ topics: missing.map((s) => s.name) }, 'created topics');
    }
    for (const s of specs.filter((x) => existing.has(this.n(x.name)))) {
      const n = await this.partitionCount(s.name);
      if (n !== s.partitions) {
        log.warn({ topic: s.name, expected: s.partitions, actual: n }, 'topic has another partition count than the contract');
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
      messages: records.map((r) => ({ key: r.key, value: r.value, headers: r.headers, partition: r.partition })),
    });
    end();
  }

  async *readToEnd(topic: string, partitions?: readonly number[]): AsyncIterable<ConsumedRecord> {
    const admin = await this.getAdmin();
    const offsets = await admin.fetchTopicOffsets(this.n(topic));
    const wanted = new Map<number, bigint>();
    for (const o of offsets) {
      if (partitions && !partitions.includes(o.partition)) continue;
      if (BigInt(o.high) > BigInt(o.low)) wanted.set(o.partition, BigInt(o.high));
    }
    if (wanted.size === 0) return;

    // kafkajs has no assign(): a throwaway group reads the topic and pauses what it was not asked for.
    const consumer = this.kafka.consumer({ groupId: this.n(`ia-reader-${randomUUID()}`), maxBytes: 16 * 1024 * 1024 });
    const queue: ConsumedRecord[][] = [];
    let notify: (() => void) | undefined;
    let failure: unknown;
    let done = false;
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: this.n(topic), fromBeginning: true });
      const others = offsets.map((o) => o.partition).filter((p) => !wanted.has(p));
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const end = wanted.get(batch.partition);
          if (end === undefined) return;
          const out = batch.messages
            .filter((m) => BigInt(m.offset) < end)
            .map((m) => ({
              topic,
              partition: batch.partition,
              offset: m.offset,
              key: m.key?.toString('utf8') ?? null,
              value: m.value,
              headers: headersOf(m.headers),
              timestamp: m.timestamp,
            }));
          const last = batch.messages.at(-1);
          if (last && BigInt(last.offset) + 1n >= end) {
            wanted.delete(batch.partition);
            consumer.pause([{ topic: this.n(topic), partitions: [batch.partition] }]);
          }
          if (out.length) queue.push(out);
          if (wanted.size === 0) done = true;
          notify?.();
        },
      });
      if (others.length) consumer.pause([{ topic: this.n(topic), partitions: others }]);
      consumer.on(consumer.events.CRASH, (e) => {
        failure = e.payload.error;
        notify?.();
      });
      while (true) {
        const next = queue.shift();
        if (next) {
          yield* next;
          continue;
        }
        if (failure) throw failure;
        if (done) break;
        await new Promise<void>((r) => (notify = r));
        notify = undefined;
      }
    } finally {
      await consumer.disconnect().catch(() => {});
    }
  }

  async consume(options: ConsumeOptions): Promise<ConsumerHandle> {
    const { groupId, handler } = options;
    const consumer: Consumer = this.kafka.consumer({
      groupId: this.n(groupId),
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
      maxBytesPerPartition: 4 * 1024 * 1024,
    });
    const prepared = new Set<string>();
    let stopping = false;
    let joined!: () => void;
    const joinedOnce = new Promise<void>((r) => (joined = r));
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      // Partitions no longer ours must be rebuilt if they ever come back.
      const assigned = new Set(
        Object.entries(e.payload.memberAssignment).flatMap(([t, ps]) => ps.map((p) => `${this.strip(t)}:${p}`)),
      );
      for (const key of [...prepared]) {
        if (!assigned.has(key)) {
          prepared.delete(key);
          const [topic, p] = [key.slice(0, key.lastIndexOf(':')), Number(key.slice(key.lastIndexOf(':') + 1))];
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
      eachBatch: async ({ batch, heartbeat, resolveOffset, isRunning, isStale }) => {
        const topic = this.strip(batch.topic);
        const key = `${topic}:${batch.partition}`;
        const tp = { topic, partition: batch.partition };
        if (!prepared.has(key)) {
          await handler.prepare?.(tp, heartbeat);
          prepared.add(key);
        }
        let next: string | undefined;
        try {
          await runBatch({
            groupId,
            records: batch.messages.map((m) => ({
              topic,
              partition: batch.partition,
              offset: m.offset,
              key: m.key?.toString('utf8') ?? null,
              value: m.value,
              headers: headersOf(m.headers),
              timestamp: m.timestamp,
            })),
            handler,
            publish: (t, r) => this.publish(t, r),
            heartbeat,
            isStopping: () => stopping || !isRunning() || isStale(),
            onRecordDone: (r) => {
              resolveOffset(r.offset);
              next = (BigInt(r.offset) + 1n).toString();
            },
          });
        } catch (err) {
          prepared.delete(key);
          throw err;
        }
        if (next !== undefined) await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]);
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
    return topic.startsWith(this.conn.namespacePrefix) ? topic.slice(this.conn.namespacePrefix.length) : topic;
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.stop()));
    if (this.producer) await (await this.producer).disconnect();
    if (this.admin) await (await this.admin).disconnect();
  }
}
