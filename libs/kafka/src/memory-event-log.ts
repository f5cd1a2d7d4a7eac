import { EventEmitter } from 'node:events';
import type { TopicSpec } from '#contracts';
import { runBatch } from './batch-runner.js';
import type {
  ConsumedRecord,
  ConsumeOptions,
  ConsumerHandle,
  EventLog,
  LogRecord,
} from './event-log.port.js';
import { partitionForKey } from './partitioner.js';

interface StoredTopic {
  spec: Pick<TopicSpec, 'name' | 'partitions' | 'cleanupPolicy'>;
  partitions: ConsumedRecord[][];
}

const MAX_BATCH = 500;

/**
 * The in-process log of the all-in-one mode and the replay command. Same contract as Kafka: records keyed to
 * a partition by murmur2, appended in order, offsets per partition, committed offsets per consumer group. It
 * keeps everything in memory and does not compact: it lives as long as the process.
 */
export class MemoryEventLog implements EventLog {
  readonly kind = 'memory' as const;
  private readonly topics = new Map<string, StoredTopic>();
  private readonly committed = new Map<string, number>();
  private readonly appended = new EventEmitter().setMaxListeners(0);
  private readonly consumers = new Set<ConsumerHandle>();

  constructor(private readonly defaultPartitions = 1) {}

  async ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    for (const spec of specs) this.topic(spec.name, spec);
  }

  async partitionCount(topic: string): Promise<number> {
    return this.topic(topic).partitions.length;
  }

  async publish(topic: string, records: readonly LogRecord[]): Promise<void> {
    const t = this.topic(topic);
    for (const r of records) {
      const n = t.partitions.length;
      const partition = r.partition ?? (r.key === null ? 0 : partitionForKey(topic, r.key, n));
      if (partition < 0 || partition >= n)
        throw new Error(`partition ${partition} out of range for ${topic} (${n})`);
      const log = t.partitions[partition];
      log.push({
        topic,
        partition,
        offset: String(log.length),
        key: r.key,
        value: r.value === null ? null : Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value),
        headers: { ...(r.headers ?? {}) },
        timestamp: String(Date.now()),
      });
    }
    this.appended.emit(topic);
  }

  async *readToEnd(topic: string, partitions?: readonly number[]): AsyncIterable<ConsumedRecord> {
    const t = this.topic(topic);
    for (const p of partitions ?? t.partitions.map((_, i) => i)) {
      const log = t.partitions[p] ?? [];
      const end = log.length;
      for (let i = 0; i < end; i++) yield log[i];
    }
  }

  /** All records of a topic across partitions, in append order per partition (tests, --print). */
  records(topic: string): ConsumedRecord[] {
    return this.topic(topic).partitions.flat();
  }

  async consume(options: ConsumeOptions): Promise<ConsumerHandle> {
    const { groupId, handler } = options;
    let stopping = false;
    let wake: (() => void) | undefined;
    const onAppend = () => wake?.();
    for (const topic of options.topics) this.appended.on(topic, onAppend);
    const prepared = new Set<string>();

    const loop = async () => {
      while (!stopping) {
        let worked = false;
        for (const topic of options.topics) {
          const t = this.topic(topic);
          for (let partition = 0; partition < t.partitions.length && !stopping; partition++) {
            const offsetKey = `${groupId}\u0000${topic}\u0000${partition}`;
            const log = t.partitions[partition];
            const from = this.committed.get(offsetKey) ?? (options.fromBeginning === false ? log.length : 0);
            if (!this.committed.has(offsetKey)) this.committed.set(offsetKey, from);
            if (!prepared.has(offsetKey)) {
              await handler.prepare?.({ topic, partition }, async () => {});
              prepared.add(offsetKey);
            }
            if (from >= log.length) continue;
            const batch = log.slice(from, from + MAX_BATCH);
            let next = from;
            try {
              await runBatch({
                groupId,
                records: batch,
                handler,
                partition: { topic, partition },
                publish: (tp, recs) => this.publish(tp, recs),
                onRecordDone: (r) => (next = Number(r.offset) + 1),
                isStopping: () => stopping,
              });
              this.committed.set(offsetKey, next);
            } catch (err) {
              // As Kafka would: nothing committed, the batch comes again after state is rebuilt.
              prepared.delete(offsetKey);
              await new Promise((r) => setTimeout(r, 100));
              void err;
            }
            worked = true;
          }
        }
        if (!worked && !stopping) await new Promise<void>((r) => (wake = r));
        wake = undefined;
      }
    };

    const running = loop();
    const handle: ConsumerHandle = {
      ready: async () => {},
      stop: async () => {
        stopping = true;
        wake?.();
        await running;
        for (const topic of options.topics) this.appended.off(topic, onAppend);
        this.consumers.delete(handle);
      },
    };
    this.consumers.add(handle);
    return handle;
  }

  /** Resolves when every consumer group has committed everything appended to the given topics. */
  async drained(groupId: string, topics: readonly string[]): Promise<boolean> {
    for (const topic of topics) {
      const t = this.topic(topic);
      for (let p = 0; p < t.partitions.length; p++) {
        if ((this.committed.get(`${groupId}\u0000${topic}\u0000${p}`) ?? 0) < t.partitions[p].length)
          return false;
      }
    }
    return true;
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.stop()));
  }

  private topic(name: string, spec?: TopicSpec): StoredTopic {
    let t = this.topics.get(name);
    if (!t) {
      const partitions = spec?.partitions ?? this.defaultPartitions;
      t = {
        spec: spec ?? { name, partitions, cleanupPolicy: 'delete' },
        partitions: Array.from({ length: partitions }, () => []),
      };
      this.topics.set(name, t);
    }
    return t;
  }
}
