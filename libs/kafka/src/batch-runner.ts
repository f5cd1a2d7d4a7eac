import { componentLogger, counter } from '#observability';
import { deadLetterRecord, DEAD_LETTER_TOPIC } from './dead-letter.js';
import type { ConsumedRecord, LogRecord, RecordHandler } from './event-log.port.js';
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
 * Runs a batch of one partition through a handler: each record with retries, poison records to the dead-letter
 * topic with the reason, then `flush`. Shared by the Kafka and the in-process log so both fail the same way.
 * Resolves once the batch's outputs are durable; the caller commits offsets after that.
 */
export async function runBatch(args: {
  groupId: string;
  records: readonly ConsumedRecord[];
  handler: RecordHandler;
  publish: (topic: string, records: readonly LogRecord[]) => Promise<void>;
  onRecordDone?: (record: ConsumedRecord) => void;
  heartbeat?: () => Promise<void>;
  isStopping?: () => boolean;
  backoff?: BackoffPolicy;
}): Promise<void> {
  const policy = args.backoff ?? DEFAULT_BACKOFF;
  for (const record of args.records) {
    if (args.isStopping?.()) break;
    for (let attempt = 0; ; attempt++) {
      try {
        await args.handler.handle(record);
        consumed.inc({ group: args.groupId, topic: record.topic, outcome: 'ok' });
        break;
      } catch (err) {
        if (isRetryable(err) && attempt + 1 < policy.attempts) {
          retries.inc({ group: args.groupId, topic: record.topic });
          await sleep(backoffDelay(attempt, policy));
          continue;
        }
        log.warn(
          { group: args.groupId, topic: record.topic, partition: record.partition, offset: record.offset, key: record.key, err: String(err) },
          'record sent to dead-letter topic',
        );
        await args.publish(DEAD_LETTER_TOPIC, [deadLetterRecord(record, args.groupId, err)]);
        consumed.inc({ group: args.groupId, topic: record.topic, outcome: 'dead_lettered' });
        break;
      }
    }
    args.onRecordDone?.(record);
    await args.heartbeat?.();
  }
  await args.handler.flush?.();
}
