import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { componentLogger, counter } from '#observability';
import { deadLetterRecord, DEAD_LETTER_TOPIC } from './dead-letter.js';
import type { ConsumedRecord, LogRecord, RecordHandler, TopicPartition } from './event-log.port.js';
import type { HandlingTurns } from './handling-turns.js';
import { backoffDelay, DEFAULT_BACKOFF, isRetryable, sleep, type BackoffPolicy } from './retry.js';

const log = componentLogger('consumer');
const consumed = counter({
  name: 'ia_consumer_records_total',
  help: 'Records handled by consumers, by outcome (ok, dead_lettered).',
  labelNames: ['group', 'topic', 'outcome'],
});
const retries = counter({
  name: 'ia_consumer_retries_total',
  help: 'Retries of a record after its handler threw.',
  labelNames: ['group', 'topic'],
});

/**
 * Heartbeats at most this often: kafkajs sends one per heartbeatInterval (seconds) anyway, and calling it for
 * every record cost an await per record.
 */
const HEARTBEAT_CHECK_MS = 500;
/**
 * Lets I/O run at least this often. A handler that awaits nothing but settled promises keeps the batch on the
 * microtask queue: with several partitions in hand, the event loop got no turn for as long as their batches
 * took (1.4-2 s per backlog run of bench:differ, more with bigger objects), and health probes, metrics scrapes
 * and the acknowledgements of other partitions' output waited that long. A turn costs a few microseconds.
 */
const YIELD_EVERY_MS = 10;

/**
 * Runs a batch of one partition through a handler: each record with retries, poison records to the dead-letter
 * topic with the reason, then `flush`. Shared by the Kafka and the in-process log so both fail the same way.
 * Resolves once the batch's outputs are durable; the caller commits offsets after that.
 */
export async function runBatch(args: {
  groupId: string;
  records: readonly ConsumedRecord[];
  handler: RecordHandler;
  publish: (topic: string, records: readonly LogRecord[]) => Promise<void>;
  /** The batch's partition, handed to `flush`. Default: that of the first record. */
  partition?: TopicPartition;
  onRecordDone?: (record: ConsumedRecord) => void;
  heartbeat?: () => Promise<void>;
  isStopping?: () => boolean;
  backoff?: BackoffPolicy;
  /**
   * Shared by the batches a consumer has in hand at once: the records of one are handled in its turn, and its
   * flush runs after the turn while the next batch is handled (see HandlingTurns). Waits (retry backoff, a
   * dead-letter publish) leave the turn to the others.
   */
  turns?: HandlingTurns;
}): Promise<void> {
  const policy = args.backoff ?? DEFAULT_BACKOFF;
  const first = args.records[0];
  const tp = args.partition ?? (first && { topic: first.topic, partition: first.partition });
  // Counted per batch: a labelled counter increment per record is a label lookup per record.
  let ok = 0;
  let lastBeat = performance.now();
  let lastYield = lastBeat;
  let endTurn = await args.turns?.take();
  /** Waits on I/O or a timer without holding the turn. */
  const outsideTurn = async (wait: () => Promise<void>) => {
    if (!args.turns) return wait();
    endTurn?.();
    try {
      await wait();
    } finally {
      endTurn = await args.turns.take();
    }
  };
  try {
    for (const record of args.records) {
      if (args.isStopping?.()) break;
      for (let attempt = 0; ; attempt++) {
        try {
          await args.handler.handle(record);
          ok++;
          break;
        } catch (err) {
          if (isRetryable(err) && attempt + 1 < policy.attempts) {
            retries.inc({ group: args.groupId, topic: record.topic });
            await outsideTurn(() => sleep(backoffDelay(attempt, policy)));
            continue;
          }
          log.warn(
            {
              group: args.groupId,
              topic: record.topic,
              partition: record.partition,
              offset: record.offset,
              key: record.key,
              err: String(err),
            },
            'record sent to dead-letter topic',
          );
          await outsideTurn(() =>
            args.publish(DEAD_LETTER_TOPIC, [deadLetterRecord(record, args.groupId, err)]),
          );
          consumed.inc({ group: args.groupId, topic: record.topic, outcome: 'dead_lettered' });
          break;
        }
      }
      args.onRecordDone?.(record);
      const now = performance.now();
      if (args.heartbeat && now - lastBeat >= HEARTBEAT_CHECK_MS) {
        await args.heartbeat();
        lastBeat = now;
      }
      if (now - lastYield >= YIELD_EVERY_MS) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
    }
  } finally {
    endTurn?.();
    if (ok > 0 && first) consumed.inc({ group: args.groupId, topic: first.topic, outcome: 'ok' }, ok);
  }
  if (tp) await args.handler.flush?.(tp);
}
