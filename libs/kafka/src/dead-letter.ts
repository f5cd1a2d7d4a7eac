import { DLQ_HEADERS, TOPICS } from '#contracts';
import type { ConsumedRecord, LogRecord } from './event-log.port.js';

/** The dead-letter copy of a record: same key, value and headers, plus why and where it failed. */
export function deadLetterRecord(record: ConsumedRecord, groupId: string, err: unknown): LogRecord {
  const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return {
    key: record.key,
    value: record.value,
    headers: {
      ...record.headers,
      [DLQ_HEADERS.reason]: reason.slice(0, 2_000),
      [DLQ_HEADERS.sourceTopic]: record.topic,
      [DLQ_HEADERS.sourcePartition]: String(record.partition),
      [DLQ_HEADERS.sourceOffset]: record.offset,
      [DLQ_HEADERS.consumerGroup]: groupId,
      [DLQ_HEADERS.failedAt]: new Date().toISOString(),
    },
  };
}

export const DEAD_LETTER_TOPIC = TOPICS.deadLetter.name;
