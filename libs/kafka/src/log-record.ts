import { cloudEventHeaders, type CeType } from '#contracts';
import type { LogRecord } from './event-log.port.js';

/** What a record says beside its message: the key it is partitioned by and its CloudEvents attributes. */
export interface RecordAttributes {
  /**
   * All records of one key land in one partition, in order: objectKey for an object's events, anomalyKey for
   * anomaly signals. Null only where there is no identity (the dead letter of a nameless object).
   */
  key: string | null;
  type: CeType;
  source: string;
  /** ce_id: deterministic, so that a record produced again after a failure is recognised. */
  id: string;
  /** ce_time: when what the message tells happened or was observed. */
  time: string;
  /**
   * A partition chosen by the producer instead of the key: snapshot markers go to every partition, the differ's
   * changelog to the partition of its input.
   */
  partition?: number;
  /** Headers written after the CloudEvents attributes (changelog bookkeeping, dead-letter reasons). */
  headers?: Record<string, string>;
}

/**
 * The one way a producer makes a record of a message: the encoded message as the value, the key, and the
 * CloudEvents attributes as `ce_` headers (Kafka protocol binding, binary mode). The message is taken encoded,
 * as JSON text or bytes, and passed through as it is: producers encode in their own way (the differ's changes
 * within the size limit, its states around an object serialized once), and the writer adds no pass over it
 * and no copy of it.
 */
export function toLogRecord(message: string | Buffer, attributes: RecordAttributes): LogRecord {
  const { key, partition } = attributes;
  const headers: Record<string, string> = cloudEventHeaders(attributes);
  if (attributes.headers) Object.assign(headers, attributes.headers);
  return partition === undefined
    ? { key, value: message, headers }
    : { key, value: message, headers, partition };
}
