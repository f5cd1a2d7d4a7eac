import type { TopicSpec } from '#contracts';

/** A record to append. `partition` is for snapshot markers that go to every partition; normally it is derived from the key. */
export interface LogRecord {
  key: string | null;
  value: string | Buffer | null;
  headers?: Record<string, string>;
  partition?: number;
}

export interface ConsumedRecord {
  topic: string;
  partition: number;
  /** Kafka offsets are 64-bit; kept as decimal strings as kafkajs does. */
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  /** Append time, ms since epoch, as a string. */
  timestamp: string;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface RecordHandler {
  /**
   * Handles one record. Records of one partition arrive in order. Throwing retries the record with backoff;
   * a ContractViolation (or an error with `retryable === false`) goes to the dead-letter topic at once.
   */
  handle(record: ConsumedRecord): Promise<void>;
  /**
   * Called after each batch of `tp`, before its offsets are committed: publish what the batch produced here.
   * A handler of a consumer with `partitionsConcurrently` > 1 publishes only what records of `tp` produced.
   */
  flush?(tp: TopicPartition): Promise<void>;
  /**
   * Called before the first batch of a newly assigned partition and again after a batch that failed, since
   * in-memory state derived from that partition may then be ahead of the committed offset. Rebuild state here.
   * `heartbeat` keeps the group membership alive during a long rebuild.
   */
  prepare?(tp: TopicPartition, heartbeat: () => Promise<void>): Promise<void>;
  /**
   * Optional batch form of `prepare`: a log that learns several partitions at once (a Kafka group assignment)
   * hands them over together, so a handler can rebuild them in one pass over its changelog instead of one pass
   * (and, on Kafka, one reader group join) per partition. When defined it is used instead of `prepare` by logs
   * that support it; it must have the same effect as calling `prepare` for each partition.
   */
  prepareAll?(tps: readonly TopicPartition[], heartbeat: () => Promise<void>): Promise<void>;
  /** The partition was taken away in a rebalance: drop its state. */
  release?(tp: TopicPartition): Promise<void>;
}

export interface ConsumeOptions {
  groupId: string;
  topics: readonly string[];
  /** Where a group without committed offsets starts. Default: earliest (a system of record replays). */
  fromBeginning?: boolean;
  handler: RecordHandler;
  /**
   * Batches of this many partitions may be in hand at once (default 1), so that one partition's publish and
   * commit (broker round trips) overlap another's processing. Above 1 the handler must keep what it buffers per
   * partition: handle() calls of different partitions interleave, flush(tp) publishes only tp's output, and
   * prepare/prepareAll/release touch only the partitions they name. Each partition's records still arrive in
   * order, one batch at a time. The Kafka log handles the batches in hand in turns (HandlingTurns), one batch's
   * records at a time while the others' output is published; they still interleave when one waits outside its turn
   * (retry backoff, a dead-letter publish). The in-process log runs batches one after another.
   */
  partitionsConcurrently?: number;
}

export interface ConsumerHandle {
  /** Stops fetching, finishes the batch in hand, flushes, commits and leaves the group. */
  stop(): Promise<void>;
  /** Resolves when the consumer has joined and got its first assignment (tests and readiness use it). */
  ready(): Promise<void>;
}

/**
 * The port every app uses to reach the log. Kafka (production) and an in-process log (all-in-one and replay)
 * implement it with the same semantics: keyed partitioning, per-partition order, committed offsets per group.
 */
export interface EventLog {
  readonly kind: 'kafka' | 'memory';
  ensureTopics(specs: readonly TopicSpec[]): Promise<void>;
  partitionCount(topic: string): Promise<number>;
  /** Resolves once every record is durably appended (acks=all on Kafka). */
  publish(topic: string, records: readonly LogRecord[]): Promise<void>;
  /** Reads partitions from their start up to their end at the time of the call (state restore, replay). */
  readToEnd(topic: string, partitions?: readonly number[]): AsyncIterable<ConsumedRecord>;
  consume(options: ConsumeOptions): Promise<ConsumerHandle>;
  close(): Promise<void>;
}
