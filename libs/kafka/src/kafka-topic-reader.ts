import { AssignerProtocol, type Admin, type Kafka, type PartitionAssigner } from 'kafkajs';
import type { ConsumedRecord } from './event-log.port.js';
import { toConsumedRecord } from './kafka-records.js';

/**
 * Fetch settings of a reader. A short maxWait matters most: kafkajs' disconnect waits for the long poll in flight,
 * and with the consumer default (5 s) every restore ended with 5 s of nothing. The byte limits are modest on
 * purpose: a fetch is decompressed whole, and the allocator keeps the peak (a cold start of 150,000 objects held
 * ~400 MiB more RSS with 16 MiB fetches than with these, and restored no faster).
 */
const READER_FETCH = {
  maxBytes: 4 * 1024 * 1024,
  maxBytesPerPartition: 1024 * 1024,
  minBytes: 1,
  maxWaitTimeInMs: 100,
} as const;

/** Records handed over but not yet taken by the caller before fetching pauses: bounds memory on a slow caller. */
const MAX_QUEUED_RECORDS = 5_000;

/**
 * kafkajs has no assign(): a reader joins a throwaway group of its own, and this assigner gives its only member
 * exactly the partitions asked for, so nothing else is fetched (and decoded) only to be dropped.
 */
function onlyPartitions(topic: string, partitions: readonly number[]): PartitionAssigner {
  return () => ({
    name: 'IaReaderAssigner',
    version: 1,
    async assign({ members }) {
      return members.map(({ memberId }, i) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 1,
          assignment: i === 0 ? { [topic]: [...partitions] } : {},
          userData: Buffer.alloc(0),
        }),
      }));
    },
    protocol({ topics }) {
      return {
        name: 'IaReaderAssigner',
        metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.alloc(0) }),
      };
    },
  });
}

/**
 * Reads partitions of a topic from their start up to their end at the time of the call, in one consumer for all
 * of them. Records of one partition come in order; partitions interleave.
 */
export async function* readPartitionsToEnd(args: {
  kafka: Kafka;
  admin: Admin;
  /** The topic as Kafka names it (with the installation prefix). */
  kafkaTopic: string;
  /** The topic as records report it. */
  topic: string;
  groupId: string;
  partitions?: readonly number[];
}): AsyncIterable<ConsumedRecord> {
  const { kafka, admin, kafkaTopic, topic, partitions } = args;
  const offsets = await admin.fetchTopicOffsets(kafkaTopic);
  // Offsets as numbers: exact below 2^53, which a partition does not reach (a million records/s for 285 years).
  const wanted = new Map<number, number>();
  for (const o of offsets) {
    if (partitions && !partitions.includes(o.partition)) continue;
    if (Number(o.high) > Number(o.low)) wanted.set(o.partition, Number(o.high));
  }
  if (wanted.size === 0) return;

  const consumer = kafka.consumer({
    groupId: args.groupId,
    partitionAssigners: [onlyPartitions(kafkaTopic, [...wanted.keys()])],
    ...READER_FETCH,
  });
  const queue: ConsumedRecord[][] = [];
  let queued = 0;
  let wake: (() => void) | undefined;
  let drained: (() => void) | undefined;
  let failure: unknown;
  let closed = false;
  const signal = () => {
    wake?.();
    wake = undefined;
  };
  try {
    await consumer.connect();
    await consumer.subscribe({ topic: kafkaTopic, fromBeginning: true });
    consumer.on(consumer.events.CRASH, (e) => {
      failure = e.payload.error;
      signal();
    });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const end = wanted.get(batch.partition);
        if (end === undefined) return;
        const out: ConsumedRecord[] = [];
        for (const m of batch.messages) {
          if (Number(m.offset) < end) out.push(toConsumedRecord(topic, batch.partition, m));
        }
        const last = batch.messages.at(-1);
        if (last && Number(last.offset) + 1 >= end) {
          wanted.delete(batch.partition);
          consumer.pause([{ topic: kafkaTopic, partitions: [batch.partition] }]);
        }
        if (out.length) {
          queue.push(out);
          queued += out.length;
        }
        signal();
        // Backpressure: kafkajs fetches the next batch only when this one returns.
        while (queued > MAX_QUEUED_RECORDS && !closed) await new Promise<void>((r) => (drained = r));
      },
    });
    while (true) {
      const next = queue.shift();
      if (next) {
        queued -= next.length;
        if (queued <= MAX_QUEUED_RECORDS) drained?.();
        yield* next;
        continue;
      }
      if (failure) throw failure;
      if (wanted.size === 0) break;
      await new Promise<void>((r) => (wake = r));
    }
  } finally {
    // An eachBatch waiting for room must return, or disconnect (which waits for it) never would.
    closed = true;
    drained?.();
    await consumer.disconnect().catch(() => {});
  }
}
