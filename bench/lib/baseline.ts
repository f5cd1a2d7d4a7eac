/**
 * Raw kafkajs throughput on the broker at hand: the ceiling the watcher/differ benchmarks compare against. Producer
 * and consumer settings mirror libs/kafka (idempotent acks=all producer with one request in flight; consumer
 * fetching up to 16 MiB / 4 MiB per partition) without any of the app's work in between.
 */
import { randomBytes } from 'node:crypto';
import { CompressionTypes, Kafka, logLevel, Partitioners, type Message } from 'kafkajs';
import { OBJECT_PARTITIONS } from '#contracts';
import { createTopicsWithLeaders } from '#kafka';
import { median, perSecond } from './stats.js';

export type BenchCompression = 'none' | 'gzip';

export interface ThroughputResult {
  messages: number;
  /** Key + value bytes. */
  bytes: number;
  ms: number;
  msgsPerSec: number;
  /** 10^6 bytes per second. */
  mbPerSec: number;
}

export interface ConsumeResult extends ThroughputResult {
  /** From `consumer.run()` to the first batch (group join + first fetch), included in `ms`. */
  firstBatchMs: number;
}

export interface BaselineOptions {
  brokers: string[];
  /** Messages per run (default 100,000). */
  messages?: number;
  /** Approximate JSON value size in bytes (default 1024). */
  messageBytes?: number;
  /** Messages per producer.send() (default 1000; ~1 MiB, below the local broker's 2 MiB message.max.bytes). */
  batchSize?: number;
  /** Partitions of each benchmark topic (default: the contracts' object topic partitions). */
  partitions?: number;
  compression?: BenchCompression;
  runs?: number;
  /** Called after every run (e.g. to print it). */
  onRun?: (phase: 'produce' | 'consume', run: number, result: ThroughputResult | ConsumeResult) => void;
}

export interface BaselineResult {
  produce: ThroughputResult[];
  consume: ConsumeResult[];
  medianProduceMsgsPerSec: number;
  medianProduceMbPerSec: number;
  medianConsumeMsgsPerSec: number;
  medianConsumeMbPerSec: number;
}

function throughput(messages: number, bytes: number, ms: number): ThroughputResult {
  return { messages, bytes, ms, msgsPerSec: perSecond(messages, ms), mbPerSec: perSecond(bytes, ms) / 1e6 };
}

/** `count` keyed JSON messages of about `size` bytes each, shaped like a Kubernetes change event. */
export function makeChangeMessages(count: number, size = 1024): Message[] {
  const messages: Message[] = [];
  const base = Date.UTC(2025, 0, 1);
  for (let i = 0; i < count; i++) {
    const ns = `team-${i % 40}`;
    const name = `service-${i % 2500}`;
    const event = {
      type: 'MODIFIED',
      cluster: 'bench',
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: ns,
      name,
      uid: `00000000-0000-4000-8000-${(i % 2500).toString(16).padStart(12, '0')}`,
      resourceVersion: String(1_000_000 + i),
      observedAt: new Date(base + i * 10).toISOString(),
      labels: { app: name, tier: i % 3 === 0 ? 'frontend' : 'backend', 'app.kubernetes.io/part-of': ns },
      spec: {
        replicas: 1 + (i % 5),
        image: `registry.example.com/${ns}/${name}:1.${i % 100}.0`,
        padding: '',
      },
    };
    const raw = JSON.stringify(event);
    event.spec.padding = 'x'.repeat(Math.max(0, size - raw.length));
    messages.push({ key: `${ns}/${name}`, value: Buffer.from(JSON.stringify(event)) });
  }
  return messages;
}

function messageBytes(messages: readonly Message[]): number {
  let bytes = 0;
  for (const m of messages) bytes += Buffer.byteLength(m.key ?? '') + Buffer.byteLength(m.value ?? '');
  return bytes;
}

export function benchKafka(brokers: string[], clientId = 'ia-bench'): Kafka {
  return new Kafka({
    clientId,
    brokers,
    // Quiet: kafkajs logs every retried error (e.g. NOT_LEADER on a new topic); real failures still throw.
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 300, retries: 10 },
  });
}

export async function createBenchTopic(kafka: Kafka, topic: string, partitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await createTopicsWithLeaders(admin, [{ topic, numPartitions: partitions, replicationFactor: 1 }]);
    // A brand-new topic can answer NOT_LEADER_OR_FOLLOWER for a moment after its leaders are elected; poll with
    // ListOffsets (one request per partition leader) so the first timed send does not pay for those retries.
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.fetchTopicOffsets(topic);
        break;
      } catch (err) {
        if (attempt >= 50 || !(err as { retriable?: boolean }).retriable) throw err;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  } finally {
    await admin.disconnect();
  }
}

export async function deleteBenchTopics(kafka: Kafka, topics: string[]): Promise<void> {
  if (topics.length === 0) return;
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const toDelete = topics.filter((t) => existing.has(t));
    if (toDelete.length > 0) await admin.deleteTopics({ topics: toDelete });
  } finally {
    await admin.disconnect();
  }
}

/**
 * Produces `messages` to `topic` in sequential `producer.send()` calls of `batchSize` messages (idempotent,
 * acks=all), timing from the first send to the last acknowledgement; connecting is not timed.
 */
export async function measureProduce(
  kafka: Kafka,
  topic: string,
  messages: readonly Message[],
  options: { batchSize?: number; compression?: BenchCompression } = {},
): Promise<ThroughputResult> {
  const batchSize = options.batchSize ?? 1000;
  const compression = options.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner, // murmur2 like libs/kafka and the Java client
  });
  await producer.connect();
  try {
    const t0 = performance.now();
    for (let i = 0; i < messages.length; i += batchSize) {
      await producer.send({ topic, acks: -1, compression, messages: messages.slice(i, i + batchSize) });
    }
    return throughput(messages.length, messageBytes(messages), performance.now() - t0);
  } finally {
    await producer.disconnect();
  }
}

/**
 * Reads `expected` messages of `topic` with a fresh consumer group from the beginning (eachBatch), timing from
 * `consumer.run()` (so the group join is included, see firstBatchMs) to the last message.
 */
export async function measureConsume(kafka: Kafka, topic: string, expected: number): Promise<ConsumeResult> {
  const consumer = kafka.consumer({
    groupId: `${topic}.bench-${randomBytes(4).toString('hex')}`,
    maxBytes: 16 * 1024 * 1024,
    maxBytesPerPartition: 4 * 1024 * 1024,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    let count = 0;
    let bytes = 0;
    let firstBatchAt = 0;
    const t0 = performance.now();
    const done = new Promise<number>((resolve, reject) => {
      consumer.on(consumer.events.CRASH, (e) => reject(e.payload.error));
      consumer
        .run({
          eachBatch: async ({ batch }) => {
            if (firstBatchAt === 0) firstBatchAt = performance.now();
            for (const m of batch.messages) bytes += (m.key?.length ?? 0) + (m.value?.length ?? 0);
            count += batch.messages.length;
            if (count >= expected) resolve(performance.now());
          },
        })
        .catch(reject);
    });
    const end = await done;
    return { ...throughput(count, bytes, end - t0), firstBatchMs: firstBatchAt - t0 };
  } finally {
    await consumer.disconnect();
  }
}

/**
 * Joins (and leaves) a throwaway consumer group, so that creating __consumer_offsets on a fresh broker is not
 * counted in the first consume run.
 */
export async function warmUpGroupCoordinator(kafka: Kafka, topic: string): Promise<void> {
  const consumer = kafka.consumer({ groupId: `${topic}.warm-up-${randomBytes(4).toString('hex')}` });
  await consumer.connect();
  try {
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.subscribe({ topics: [topic], fromBeginning: false });
    await consumer.run({ eachBatch: async () => {} });
    await joined;
  } finally {
    await consumer.disconnect();
  }
}

/**
 * The whole baseline: `runs` produce runs (each into its own fresh topic), then `runs` consume runs (each reading
 * one of those topics with a fresh group). Topics are deleted at the end.
 */
export async function runKafkaBaseline(options: BaselineOptions): Promise<BaselineResult> {
  const runs = options.runs ?? 5;
  const count = options.messages ?? 100_000;
  const partitions = options.partitions ?? OBJECT_PARTITIONS;
  const kafka = benchKafka(options.brokers);
  const prefix = `ia-bench-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const topics = Array.from({ length: runs }, (_, i) => `${prefix}.run${i + 1}`);
  const messages = makeChangeMessages(count, options.messageBytes ?? 1024);

  const produce: ThroughputResult[] = [];
  const consume: ConsumeResult[] = [];
  try {
    for (const [i, topic] of topics.entries()) {
      await createBenchTopic(kafka, topic, partitions);
      const r = await measureProduce(kafka, topic, messages, {
        batchSize: options.batchSize,
        compression: options.compression,
      });
      produce.push(r);
      options.onRun?.('produce', i, r);
    }
    await warmUpGroupCoordinator(kafka, topics[0]);
    for (const [i, topic] of topics.entries()) {
      const r = await measureConsume(kafka, topic, count);
      consume.push(r);
      options.onRun?.('consume', i, r);
    }
  } finally {
    await deleteBenchTopics(kafka, topics).catch(() => undefined);
  }
  return {
    produce,
    consume,
    medianProduceMsgsPerSec: median(produce.map((r) => r.msgsPerSec)),
    medianProduceMbPerSec: median(produce.map((r) => r.mbPerSec)),
    medianConsumeMsgsPerSec: median(consume.map((r) => r.msgsPerSec)),
    medianConsumeMbPerSec: median(consume.map((r) => r.mbPerSec)),
  };
}
